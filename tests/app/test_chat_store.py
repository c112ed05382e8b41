"""The Chat page's conversations in the local store, against the in-memory client (fast tier): they
come back in a new browser session (a reload), per wallet only; sessions can be made, switched,
renamed, searched and deleted; Clear asks first; regenerate and edit-and-resend replace the last turn;
the provider and the settings survive a reload."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from og_core import SecretStr
from tests.support.app import APP, check, texts
from tests.support.fake_client import ONE_OG, FakeNetwork, SubAccount

TIMEOUT = 30
OTHER_KEY = "0x" + "5" * 64  # a wallet pasted for the tab: not the demo wallet


def _open(page: str = "chat", query: dict[str, str] | None = None, **state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    for k, v in state.items():
        at.session_state[k] = v
    check(at.run())
    at.switch_page(f"app_pages/{page}.py")
    return check(at.run())


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
