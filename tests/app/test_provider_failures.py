"""What a user sees when a provider is down, lies about its answer, or sends garbage: a plain
sentence with a next step, no traceback, nothing paid or lost. Runs on a network of its own with a
misbehaving provider registered on-chain (tests/support/rogue.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.app import Wallet, texts
from tests.support.rogue import RogueNet, rogue_network

pytestmark = pytest.mark.devnet  # starts a network of its own (with a misbehaving provider)


@pytest.fixture(scope="module")
def net() -> Iterator[RogueNet]:
    yield from rogue_network()


@pytest.fixture
def rogue_wallet(net, monkeypatch, tmp_path) -> Wallet:
    monkeypatch.setenv("OG_RPC_URL", net.handle.rpc_url)
    monkeypatch.setenv("OG_NETWORK", "local")
    monkeypatch.delenv("PRIVATE_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    wallet = Wallet(net.handle)
    wallet.fund(net.rogue.address, net.down)
    return wallet


def _chat(open_app_for, wallet: Wallet, provider: str, prompt: str):
    at = open_app_for(wallet)
    at.selectbox(key="chat_provider").set_value(provider).run()
    at.chat_input(key="chat_input").set_value(prompt).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def open_app_for(rogue_wallet):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from og_core import SecretStr

    def _open(wallet: Wallet):
        at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=90)
        at.session_state["ui_demo_address"] = "tab"
        at.session_state["ui_tab_key_local"] = SecretStr(wallet.key)
        at.run()
        at.switch_page("app_pages/chat.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    return _open


def test_a_provider_that_is_down_is_said_plainly(net, rogue_wallet, open_app_for):
    at = _chat(open_app_for, rogue_wallet, net.down, "hello?")
    errors = texts(at.error)
    assert any("cannot be reached" in e and "Next step" in e for e in errors), errors
    answers = [m for m in at.chat_message if m.name == "assistant"]
    assert answers and not answers[0].markdown  # the error stands where the answer would have
    assert at.session_state["chat_messages"] == []  # the unanswered question is not kept as history


def test_a_lying_provider_gets_an_invalid_badge(net, rogue_wallet, open_app_for):
    net.rogue.mode = "wrong-signer"
    at = _chat(open_app_for, rogue_wallet, net.rogue.address, "What is 6 * 7?")
    answer = [m for m in at.chat_message if m.name == "assistant"][0]
    assert "42" in answer.text[0].value
    assert any("invalid signature" in str(b.value) for b in answer.markdown), texts(answer.markdown)


def test_garbage_from_a_provider_is_an_error_not_a_traceback(net, rogue_wallet, open_app_for):
    net.rogue.mode = "garbage"
    at = _chat(open_app_for, rogue_wallet, net.rogue.address, "hi")
    assert any("not a stream of answer events" in e and "Next step" in e for e in texts(at.error)), texts(at.error)
    assert at.session_state["chat_messages"] == []  # no empty "answer" kept


def _stop_buttons(at) -> list:
    return [b for b in at.button if b.key == "chat_stop"]


def test_a_failed_request_leaves_no_stop_button(net, rogue_wallet, open_app_for):
    at = _chat(open_app_for, rogue_wallet, net.down, "hello?")
    assert any("cannot be reached" in e for e in texts(at.error))
    assert _stop_buttons(at) == []  # a Stop under an error would stop nothing
    at.run()
    assert _stop_buttons(at) == [] and not at.exception


@pytest.mark.parametrize("mode", ["ends-early", "cut"])
def test_a_provider_that_stops_sending_mid_answer_is_not_stopped_by_you(net, rogue_wallet, open_app_for, mode):
    """A provider that dies mid-answer: the connection drops (cut) or the stream closes cleanly without
    its end marker (ends-early). Either way the provider cut the answer; the user stopped nothing."""
    net.rogue.mode = mode
    try:
        at = _chat(open_app_for, rogue_wallet, net.rogue.address, "What is 6 * 7?")
    finally:
        net.rogue.mode = "ok"
    result = at.session_state["chat_messages"][-1]["result"]
    assert result.text == "4" and result.cut and not result.stopped
    answer = [m for m in at.chat_message if m.name == "assistant"][0]
    captions = texts(answer.caption)
    assert any(" · cut: " in c for c in captions), captions
    assert not any("stopped by you" in c for c in captions), captions
    assert _stop_buttons(at) == []


def test_a_huge_answer_is_drawn_bounded_and_offered_whole(net, rogue_wallet, open_app_for):
    """6 MB in 100 events (under og_core's stream cap): the page draws the first 20,000 characters, says
    how long the answer is and offers all of it as a download; the history keeps every character."""
    net.rogue.mode, net.rogue.flood = "flood", {"events": 100, "chars": 60_000, "delay": 0.0}
    try:
        at = _chat(open_app_for, rogue_wallet, net.rogue.address, "Tell me everything.")
    finally:
        net.rogue.mode = "ok"
    result = at.session_state["chat_messages"][-1]["result"]
    assert len(result.text) == 6_000_000 and not result.cut and not result.stopped
    assert at.session_state["chat_messages"][-1]["content"] == result.text
    answer = [m for m in at.chat_message if m.name == "assistant"][0]
    drawn = [str(t.value) for t in answer.text]  # plain text (og_ui/inert.py), the first 20,000 characters
    assert drawn == [result.text[:20_000]]
    assert any("This answer is long (6,000,000 characters" in c for c in texts(answer.caption)), texts(answer.caption)
    assert [b.label for b in at.get("download_button") if b.key == "chat_answer_1_full"] == ["Download the whole answer"]
