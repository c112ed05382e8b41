"""Nothing lost on a reload or a restart, in the browser against a real server and the real local
network: the conversation and the provider after a reload, the conversation and the gallery after the
server is stopped and started again with the same OG_DATA_DIR, two wallets that never see each other's
conversations, and a database file that holds no key and no token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    Server,
    click,
    ensure_funded,
    fill_chat,
    key,
    open_page,
    secrets,
    start_server,
    wait_idle,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def data_dir_server(devnet, tmp_path) -> Iterator[tuple[Path, Callable[[], Server]]]:
    """(the data directory, a function that starts a server on it): servers started are stopped at the end."""
    data = tmp_path / "og-data"
    started: list[Server] = []

    def start() -> Server:
        started.append(start_server(devnet.rpc_url, f"persistence-{len(started)}", data_dir=data))
        return started[-1]

    yield data, start
    for server in started:
        server.stop()


def _short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"


def _messages(page) -> list[str]:
    return page.get_by_test_id("stChatMessage").all_inner_texts()


def _provider_shown(page) -> str:
    """The picker's label, shown value and input value (where Streamlit's version puts the choice)."""
    return key(page, "chat_provider").evaluate(
        "e => e.textContent + ' ' + [...e.querySelectorAll('input')].map(i => i.value).join(' ')")


def _query(page) -> str:
    return page.url.split("?", 1)[1] if "?" in page.url else ""


def test_the_conversation_and_provider_survive_a_reload_and_a_restart(devnet, data_dir_server, page):
    data, start = data_dir_server
    lite = devnet.provider("chat-lite")["address"]
    server = start()
    open_page(page, server, "chat")  # demo #1 starts ready at every local provider
    key(page, "chat_provider").get_by_role("combobox").click()
    page.get_by_role("option").filter(has_text=_short(lite)).first.click()
    wait_idle(page)
    fill_chat(page, "What is 2+3?")
    assert _short(lite) in _provider_shown(page)
    query = _query(page)
    assert "chat=" in query and f"provider={lite}" in query

    page.reload()
    page.get_by_text("What is 2+3?").first.wait_for()
    wait_idle(page)
    assert len(_messages(page)) == 2 and "OG" in _messages(page)[1]  # the answer with its cost
    assert _short(lite) in _provider_shown(page)

    server.stop()
    again = start()  # a new process on the same data directory
    page.goto(f"{again.url}/chat?{query}")
    page.get_by_text("What is 2+3?").first.wait_for()
    wait_idle(page)
    shown = _messages(page)
    assert len(shown) == 2 and "completion tokens" in shown[1]
    assert _short(lite) in _provider_shown(page)
    assert page.get_by_test_id("stSidebar").get_by_text("What is 2+3?").first.is_visible()  # in the list

    files = list(data.iterdir())
    assert any(f.name.endswith(".sqlite3") for f in files)
    raw = b"".join(f.read_bytes() for f in files if f.is_file())
    assert b"What is 2+3?" in raw  # the test reads the right file
    for secret in [*secrets(devnet), "Bearer"]:
        assert secret.lower().encode() not in raw.lower(), secret


def test_two_wallets_never_see_each_others_conversations(devnet, data_dir_server, browser):
    from tests.support.browser import new_page

    _data, start = data_dir_server
    server = start()
    chat = devnet.provider("chat-tee")["address"]
    ensure_funded(devnet, 2, chat)
    first, second = new_page(browser), new_page(browser)
    try:
        third_wallet = devnet.info["demo_accounts"][2]["address"]
        open_page(first, server, "chat")
        fill_chat(first, "alpha question of wallet one")
        chat_id = next(p for p in _query(first).split("&") if p.startswith("chat="))
        open_page(second, server, f"chat?network=local&wallet={third_wallet}&{chat_id}")
        assert third_wallet[-4:] in second.get_by_test_id("stSidebar").inner_text()
        assert _messages(second) == []  # not even with wallet one's conversation id in the URL
        assert "alpha question" not in second.get_by_test_id("stSidebar").inner_text()
        fill_chat(second, "beta question of wallet three")
        first.reload()
        first.get_by_text("alpha question of wallet one").first.wait_for()
        wait_idle(first)
        assert "beta question" not in first.content()
        assert "alpha question" not in second.content()
        click(second, key(second, "chat_session_new").get_by_role("button"))
        expect(second.get_by_test_id("stChatMessage")).to_have_count(0)  # a new, empty conversation
        assert "chat=" not in _query(second)
    finally:
        first.context.close()
        second.context.close()


def test_the_gallery_comes_back_after_a_restart(devnet, data_dir_server, page):
    _data, start = data_dir_server
    server = start()
    open_page(page, server, "text-to-image")
    box = key(page, "img_prompt").locator("textarea")
    box.fill("a red house at night")
    box.press("Control+Enter")
    wait_idle(page)
    click(page, page.get_by_role("button", name="Generate"))
    page.get_by_text("Result").first.wait_for(timeout=90_000)
    server.stop()
    again = start()
    open_page(page, again, "text-to-image")
    gallery = page.get_by_test_id("stExpander").filter(has_text="Gallery")
    gallery.first.click()
    gallery.get_by_text("a red house at night").first.wait_for()
    assert gallery.get_by_test_id("stImage").count() >= 1
