"""The Chat page's conversations in the local store, against the in-memory client (fast tier): they
come back in a new browser session (a reload), per wallet only; sessions can be made, switched,
renamed, searched and deleted; Clear asks first; regenerate and edit-and-resend replace the last turn;
the provider and the settings survive a reload."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from og_core import Scope, SecretStr, open_store
from tests.support.app import check, open_with, texts
from tests.support.fake_client import ONE_OG, FakeNetwork, SubAccount

OTHER_KEY = "0x" + "5" * 64  # a wallet pasted for the tab: not the demo wallet


def _open(page: str = "chat", query: dict[str, str] | None = None, **state: object) -> AppTest:
    return open_with(page, query=query, **state)


def _fund_everyone(net: FakeNetwork) -> None:
    for user in {c.address for c in net.clients if c.address}:
        net.ledgers[user] = 10 * ONE_OG
        for svc in net.services:
            net.accounts[(user, svc.provider)] = SubAccount(balance_wei=3 * ONE_OG)


def _chat(net: FakeNetwork, text: str = "Hi there", **state: object) -> AppTest:
    at = _open(**state)
    _fund_everyone(net)
    check(at.run())
    at.chat_input(key="chat_input").set_value(text)
    return check(at.run())


def _shown(at: AppTest) -> list[tuple[str, str]]:
    return [(m.name, m.text[0].value if m.text else m.markdown[0].value) for m in at.chat_message]


def test_a_conversation_comes_back_in_a_new_session_with_cost_and_verification(fake_net):
    at = _chat(fake_net)
    assert _shown(at) == [("user", "Hi there"), ("assistant", fake_net.reply)]
    assert at.query_params["chat"]  # the open conversation is in the URL

    again = _open()  # a new browser session: a reload
    assert _shown(again) == [("user", "Hi there"), ("assistant", fake_net.reply)]
    meta = " ".join(texts(again.chat_message[1].caption))
    assert "prompt tokens" in meta and " OG" in meta
    assert any(":material/verified:" in t for t in texts(again.chat_message[1].markdown))
    assert any("Hi there" in b.label for b in again.sidebar.button)  # listed under Conversations


def test_another_wallet_and_a_read_only_session_see_none_of_it(fake_net):
    first = _chat(fake_net)
    sid = first.query_params["chat"][0] if isinstance(first.query_params["chat"], list) else first.query_params["chat"]
    other = _open(query={"chat": sid}, ui_demo_address="tab", ui_tab_key_local=SecretStr(OTHER_KEY))
    assert _shown(other) == []  # even with the first wallet's conversation id in the URL
    assert not any("Hi there" in b.label for b in other.sidebar.button)
    reader = _open(query={"chat": sid}, ui_demo_address="none")
    assert _shown(reader) == []
    assert any("read-only session has none" in t for t in texts(reader.sidebar.caption))


def _qp(at: AppTest, name: str) -> str:
    value = at.query_params[name]
    return value[0] if isinstance(value, list) else value


def _stored(net: FakeNetwork, at: AppTest) -> list[tuple[str, str]]:
    """The open conversation as the store holds it."""
    user = next(c.address for c in net.clients if c.address)
    return [(m.role, m.content) for m in open_store().messages(Scope("local", user), int(_qp(at, "chat")))]


def test_clear_asks_first_and_cancel_keeps_everything(fake_net):
    at = _chat(fake_net)
    at.button(key="chat_clear").click()
    check(at.run())
    assert any("Clear this conversation?" in t for t in texts(at.warning))
    assert len(_shown(at)) == 2 and len(_stored(fake_net, at)) == 2  # nothing deleted yet
    at.button(key="chat_clear_no").click()
    check(at.run())
    assert len(_shown(at)) == 2 and not any("Clear this conversation?" in t for t in texts(at.warning))
    at.button(key="chat_clear").click()
    check(at.run())
    at.button(key="chat_clear_yes").click()
    check(at.run())
    assert _shown(at) == [] and _stored(fake_net, at) == []
    assert _shown(_open()) == []  # gone after a reload too


def test_regenerate_replaces_the_last_answer(fake_net):
    at = _chat(fake_net, "First question")
    at.chat_input(key="chat_input").set_value("Second question")
    check(at.run())
    old = at.session_state["chat_messages"][-1]["result"].chat_id
    at.button(key="chat_regenerate").click()
    check(at.run())
    history = at.session_state["chat_messages"]
    assert [m["content"] for m in history if m["role"] == "user"] == ["First question", "Second question"]
    assert len(history) == 4 and history[-1]["result"].chat_id != old  # a new answer, in the old one's place
    assert _stored(fake_net, at) == [(m["role"], m["content"]) for m in history]


def test_edit_and_resend_replaces_the_last_question_and_its_answer(fake_net):
    at = _chat(fake_net, "What is 0G?")
    edit = next(t for t in at.text_area if t.key.startswith("chat_edit_"))
    assert edit.value == "What is 0G?"
    edit.set_value("What is the 0G ledger?")
    at.button(key="chat_edit_send").click()
    check(at.run())
    assert _shown(at) == [("user", "What is the 0G ledger?"), ("assistant", fake_net.reply)]
    assert _stored(fake_net, at) == _shown(at)


def test_provider_and_settings_survive_a_reload(fake_net):
    chats = [s.provider for s in fake_net.services if s.service_type == "chatbot"]
    assert len(chats) >= 2
    at = _open()
    at.selectbox(key="chat_provider").set_value(chats[1])
    at.slider(key="chat_temperature").set_value(1.3)
    at.text_area(key="chat_system").set_value("Answer in French.")
    check(at.run())
    assert _qp(at, "provider") == chats[1]

    again = _open(query={"provider": chats[1]})  # a reload keeps the URL
    assert again.selectbox(key="chat_provider").value == chats[1]
    assert again.slider(key="chat_temperature").value == 1.3
    assert again.text_area(key="chat_system").value == "Answer in French."
    other = _open(query={"provider": "0x" + "9" * 40})  # an unknown provider in the URL: the first one
    assert other.selectbox(key="chat_provider").value == chats[0]
    stranger = _open(ui_demo_address="tab", ui_tab_key_local=SecretStr(OTHER_KEY))
    assert stranger.slider(key="chat_temperature").value == 0.7  # settings are per wallet


def test_sessions_new_switch_rename_search_delete(fake_net):
    at = _chat(fake_net, "About zebras")
    first = _qp(at, "chat")
    at.sidebar.button(key="chat_session_new").click()
    check(at.run())
    assert _shown(at) == []
    at.chat_input(key="chat_input").set_value("About lighthouses")
    check(at.run())
    second = _qp(at, "chat")
    assert second != first
    at.sidebar.button(key=f"chat_session_{first}").click()  # switch back
    check(at.run())
    assert _shown(at)[0] == ("user", "About zebras") and _qp(at, "chat") == first
    at.sidebar.text_input(key=f"chat_session_name_{first}").set_value("Stripes")
    at.sidebar.button(key="chat_session_rename").click()
    check(at.run())
    assert any(b.label.startswith("Stripes") for b in at.sidebar.button)
    at.sidebar.text_input(key="chat_session_search").set_value("lighthouse")
    check(at.run())
    listed = [b.key for b in at.sidebar.button if b.key and b.key.startswith("chat_session_") and b.key[13:].isdigit()]
    assert listed == [f"chat_session_{second}"]
    at.sidebar.text_input(key="chat_session_search").set_value("")
    at.sidebar.button(key="chat_session_delete").click()
    check(at.run())
    assert any("Delete this conversation" in t for t in texts(at.sidebar.warning))
    at.sidebar.button(key="chat_session_delete_yes").click()
    check(at.run())
    assert not any(b.key == f"chat_session_{first}" for b in at.sidebar.button)
    assert _shown(_open(query={"chat": first})) != [("user", "About zebras")]  # gone for good
