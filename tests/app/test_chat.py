"""Chat and Compare pages: fund in place, streamed answer with cost and verification, empty prompt."""

from __future__ import annotations

import json

from tests.support.app import confirm, provider, texts

ONE_OG = 10**18


def _answers(at):
    return [m for m in at.chat_message if m.name == "assistant"]


def test_unfunded_provider_is_offered_funding_then_chat_verifies(open_app, app_env, wallet):
    chat = provider(app_env, "chat-tee")
    wallet.fund(ledger="10")  # ledger only: the provider itself is not funded yet
    at = open_app("chat", wallet)
    at.selectbox(key="chat_provider").set_value(chat).run()
    assert any("not funded yet" in t for t in texts(at.warning))
    assert at.chat_input(key="chat_input").disabled
    before = wallet.nonce()
    at.run()
    assert wallet.nonce() == before  # never funds silently

    at.text_input(key="chat_fund_amount").set_value("2")
    at.button(key="chat_fund_btn").click().run()
    confirm(at)
    assert wallet.client.ledger().provider(chat).balance_wei == 2 * ONE_OG
    assert not at.chat_input(key="chat_input").disabled

    at.chat_input(key="chat_input").set_value("What is 2+3?").run()
    assert not at.exception
    answers = _answers(at)
    assert len(answers) == 1
    assert "5" in answers[0].text[0].value  # plain text: an answer's markdown never renders
    captions = texts(answers[0].caption)
    assert any("prompt" in c and "completion tokens" in c and "OG" in c and "ms" in c for c in captions)
    assert any("verified" in str(b.value) for b in answers[0].markdown)

    msgs = at.session_state["chat_messages"]
    at.button(key="chat_reverify_1").click().run()
    assert str(at.session_state["chat_messages"][1]["verification"].status) == "verified"
    assert len(msgs) == 2


def test_empty_prompt_sends_nothing(open_app, app_env, wallet):
    chat = provider(app_env, "chat-lite")
    wallet.fund(chat)
    at = open_app("chat", wallet)
    at.selectbox(key="chat_provider").set_value(chat).run()
    at.chat_input(key="chat_input").set_value("   ").run()
    assert any("empty prompt" in t for t in texts(at.warning))
    assert at.session_state["chat_messages"] == []


def test_system_prompt_params_export_and_clear(open_app, app_env, wallet):
    chat = provider(app_env, "chat-lite")
    wallet.fund(chat)
    at = open_app("chat", wallet)
    at.selectbox(key="chat_provider").set_value(chat)
    at.text_area(key="chat_system").set_value("Be brief.")
    at.number_input(key="chat_max_tokens").set_value(16).run()
    at.chat_input(key="chat_input").set_value("Tell me about 0G").run()
    assert not at.exception
    result = at.session_state["chat_messages"][1]["result"]
    body = json.loads(result.request_body)
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["max_tokens"] == 16 and result.usage.completion_tokens <= 16
    verification = at.session_state["chat_messages"][1]["verification"]
    assert str(verification.status) == "unavailable"  # chat-lite is not a TEE service
    code = texts(at.code)
    assert any("ZGServingBroker" in c and chat in c and "'max_tokens': 16" in c for c in code)
    at.button(key="chat_clear").click().run()
    assert len(at.session_state["chat_messages"]) == 2  # Clear asks first
    at.button(key="chat_clear_yes").click().run()
    assert at.session_state["chat_messages"] == []


def test_compare_two_providers(open_app, app_env, wallet):
    tee, lite = provider(app_env, "chat-tee"), provider(app_env, "chat-lite")
    wallet.fund(tee, lite)
    at = open_app("compare", wallet)
    at.multiselect(key="cmp_providers").set_value([tee, lite])
    at.button(key="cmp_run").click().run()
    assert any("empty prompt" in t for t in texts(at.warning))
    assert "cmp_results" not in at.session_state

    at.text_area(key="cmp_prompt").set_value("What is 6 times 7?")
    at.button(key="cmp_run").click().run()
    assert not at.exception
    rows = at.session_state["cmp_results"]["result"]
    assert [r[0] for r in rows] == [tee, lite]
    assert all(r[3] is None and "42" in r[1].text for r in rows)
    assert str(rows[0][2].status) == "verified"
    assert any(t.startswith("Cheapest:") for t in texts(at.caption))


def test_compare_needs_two_providers(open_app, app_env, wallet):
    tee = provider(app_env, "chat-tee")
    wallet.fund(tee)
    at = open_app("compare", wallet)
    at.multiselect(key="cmp_providers").set_value([tee])
    at.text_area(key="cmp_prompt").set_value("hi")
    at.button(key="cmp_run").click().run()
    assert any("at least two" in t for t in texts(at.warning))


def test_compare_without_ledger_asks_once_and_sends_nothing(open_app, wallet):
    at = open_app("compare", wallet)
    assert sum("no ledger yet" in t for t in texts(at.warning)) == 1
    at.text_area(key="cmp_prompt").set_value("hi")
    at.button(key="cmp_run").click().run()
    assert any("Fund every selected provider" in t for t in texts(at.warning))
    assert "cmp_results" not in at.session_state


def test_read_only_chat_input_says_to_pick_a_wallet(open_app):
    at = open_app()
    at.selectbox(key="ui_demo_address").set_value("none").run()
    at.switch_page("app_pages/chat.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    box = at.chat_input(key="chat_input")
    assert box.disabled
    assert "wallet in the sidebar" in box.placeholder and "Fund" not in box.placeholder


def test_a_one_token_answer_says_token_not_tokens(open_app, app_env, wallet):
    chat = provider(app_env, "chat-lite")
    wallet.fund(chat)
    at = open_app("chat", wallet)
    at.selectbox(key="chat_provider").set_value(chat).run()
    at.number_input(key="chat_max_tokens").set_value(1).run()
    at.chat_input(key="chat_input").set_value("What is 2+3?").run()
    assert not at.exception, [e.value for e in at.exception]
    result = at.session_state["chat_messages"][-1]["result"]
    assert result.usage.completion_tokens == 1 and result.usage.prompt_tokens > 1
    captions = texts(_answers(at)[0].caption)
    assert any(f"{result.usage.prompt_tokens} prompt tokens + 1 completion token ·" in c for c in captions), captions
    assert not any("1 completion tokens" in c for c in captions)
