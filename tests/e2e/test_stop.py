"""The chat's Stop button, for real: a local network that streams at a readable pace (as the app's own
does), a real server and Chromium. Stopping keeps what arrived, bills it, and says so."""

from __future__ import annotations

import pytest

from og_devnet.launch import start_devnet
from tests.support.browser import ensure_funded, open_page, shot, start_server, wait_idle

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def paced():
    """Its own network at 150 ms a token (the shared one streams as fast as it can): an answer of ~75
    tokens takes over 10 s, time enough to press Stop even on a loaded machine."""
    net = start_devnet(stream_pace_ms=150, no_limits=True)
    server = start_server(net.rpc_url, "paced")
    try:
        yield net, server
    finally:
        server.stop()
        net.stop()


def test_stop_keeps_the_partial_answer_and_says_so(paced, page):
    net, server = paced
    chat = net.provider("chat-tee")["address"]
    ensure_funded(net, 0, chat)
    wallet = net.info["demo_accounts"][0]["address"]
    open_page(page, server, f"chat?network=local&wallet={wallet}")  # the URL picks the wallet
    area = page.get_by_test_id("stChatInputTextArea")
    area.fill("Tell me everything about the 0G ledger, sub-accounts and refunds.")
    area.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(1)
    page.wait_for_function(  # a few words have streamed in
        "() => { const m = document.querySelectorAll('[data-testid=stChatMessage]');"
        " return m.length > 1 && m[1].innerText.split(/\\s+/).length > 4; }", timeout=60_000)
    page.get_by_role("button", name="Stop").click()  # under the streaming answer
    wait_idle(page)
    answer = page.get_by_test_id("stChatMessage").nth(1)
    answer.get_by_text("stopped by you", exact=False).wait_for(timeout=30_000)
    caption = answer.inner_text()
    # The usage report comes last, so a stopped answer has none: say so, never "cost 0 OG".
    assert "usage not reported" in caption and "cost not reported" in caption and "cost 0 OG" not in caption
    # a stopped stream was never signed as a whole: verification says so instead of "verified"
    answer.get_by_text("unavailable", exact=False).first.wait_for()
    # ...in words that fit: the provider signs only a finished answer; nothing "expired" a second after Stop
    said = answer.inner_text()
    assert "signs only a finished answer" in said and "expired" not in said, said
    shot(page, "flow-chat-stopped")

    # The same question to the end is longer than what the stop kept.
    from tests.support.browser import og_client

    full = og_client(net, 0).chat(chat, [{"role": "user", "content":
                                          "Tell me everything about the 0G ledger, sub-accounts and refunds."}])
    kept = answer.get_by_test_id("stMarkdownContainer").first.inner_text()
    assert 0 < len(kept.split()) < len(full.text.split())
