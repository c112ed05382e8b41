"""The app with the local language model (tests/devnet/test_local_llm.py covers the protocol): Chat
streams a verified answer from it, and Compare sets it beside the rule-based guide."""

from __future__ import annotations

from tests.support.app import Wallet, provider, run_app, texts


def test_chat_with_the_local_model_streams_a_verified_answer(llm_app_env):
    wallet = Wallet(llm_app_env)
    model = provider(llm_app_env, "chat-llm")
    wallet.fund(model)
    at = run_app("chat", wallet.key)
    at.selectbox(key="chat_provider").set_value(model).run()
    at.chat_input(key="chat_input").set_value("Write a haiku about the sea.").run()
    assert not at.exception, [e.value for e in at.exception]
    answers = [m for m in at.chat_message if m.name == "assistant"]
    assert len(answers) == 1 and len(answers[0].text[0].value.split()) >= 3
    result = at.session_state["chat_messages"][1]["result"]
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
    assert str(at.session_state["chat_messages"][1]["verification"].status) == "verified"


def test_compare_sets_the_model_beside_the_guide(llm_app_env):
    wallet = Wallet(llm_app_env)
    guide, model = provider(llm_app_env, "chat-tee"), provider(llm_app_env, "chat-llm")
    wallet.fund(guide, model)
    at = run_app("compare", wallet.key)
    at.multiselect(key="cmp_providers").set_value([guide, model])
    at.text_area(key="cmp_prompt").set_value("What is 6 times 7?")
    at.button(key="cmp_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    rows = at.session_state["cmp_results"]["result"]
    assert [r[0] for r in rows] == [guide, model]
    assert all(r[3] is None and r[1].text.strip() for r in rows)
    assert "42" in rows[0][1].text  # the guide computes; the tiny model just talks
    assert [str(r[2].status) for r in rows] == ["verified", "verified"]
    assert any(t.startswith("Cheapest:") for t in texts(at.caption))
