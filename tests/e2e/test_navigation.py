"""Deep links on a freshly started server, a screenshot of every page, and no secret in any page."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.support.browser import open_page, secrets, shot, start_server

pytestmark = pytest.mark.e2e

PAGES = [  # (url path, title, nav label)
    ("", "Discover services", "Discover"),
    ("wallet", "Wallet & ledger", "Wallet & ledger"),
    ("chat", "Chat", "Chat"),
    ("compare", "Compare providers", "Compare"),
    ("text-to-image", "Text-to-image", "Text-to-image"),
    ("image-edit", "Image editing", "Image editing"),
    ("speech-to-text", "Speech-to-text", "Speech-to-text"),
]
NAV_LABELS = [p[2] for p in PAGES]


@pytest.mark.parametrize(("path", "title", "label"), PAGES, ids=[p[2] for p in PAGES])
def test_deep_link_on_fresh_server(devnet, browser, path, title, label):
    """The very first request after a server start goes straight to a page: it must run inside the
    app (router, sidebar, navigation), not as a bare script with Streamlit's legacy page list."""
    server = start_server(devnet.rpc_url, f"deeplink-{label.replace(' ', '_').replace('&', 'and')}")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(90_000)
        open_page(page, server, path)
        assert page.locator("h1").first.inner_text().strip() == title
        nav = page.get_by_test_id("stSidebarNav")
        # each link is "<material icon ligature>\n\n<label>"
        links = [t.strip().splitlines()[-1] for t in nav.get_by_test_id("stSidebarNavLink").all_inner_texts()]
        assert links == NAV_LABELS
        active = nav.locator("[data-testid='stSidebarNavLink'][aria-current='page']")
        assert active.inner_text().strip().splitlines()[-1] == label
        assert page.get_by_text("Network", exact=True).first.is_visible()  # the shared sidebar frame ran
        assert not page.get_by_test_id("stException").count()
        shot(page, f"page-{(path or 'discover')}")
        html = page.content()
        for secret in secrets(devnet):
            assert secret not in html
            assert secret not in page.url
    finally:
        context.close()
        server.stop()
    log = server.log()
    assert "Traceback" not in log, log[-3000:]
    for secret in secrets(devnet):
        assert secret not in log


def test_fresh_clone_starts_its_own_network(browser, devnet):
    """No OG_RPC_URL, no .env: `streamlit run app.py` starts a local network and opens on a funded
    demo wallet, ready to chat; stopping the server stops that network too."""
    server = start_server(None, "fresh-clone")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        open_page(page, server, "")
        assert page.locator("h1").first.inner_text().strip() == "Discover services"
        sidebar = page.get_by_test_id("stSidebar")
        chosen = sidebar.locator(".st-key-ui_demo_address").get_by_role("combobox").input_value()
        assert chosen.startswith("Demo #1 · 0x")
        # Demo #1 starts ready (og_devnet --ready-demo): a ledger with 3 OG at each of the 9 providers.
        assert "Locked with providers: 27 OG" in sidebar.inner_text()
        assert page.get_by_test_id("stDataFrame").count() == 1

        # If that network dies (killed, crashed), the app says so and how to get a new one.
        os.kill(_devnet_child(server.process.pid), signal.SIGKILL)
        page.wait_for_timeout(500)
        open_page(page, server, "wallet")
        page.get_by_text("The local network has stopped").first.wait_for()
        assert page.get_by_text("Restart the app").first.is_visible()
        assert not page.get_by_test_id("stException").count()
    finally:
        context.close()
        server.stop()
    assert "Traceback" not in server.log()


def _devnet_child(pid: int) -> int:
    """The og_devnet process the app server started (read from /proc: no extra tools needed)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and b"og_devnet" in cmdline:
            return int(stat.parent.name)
    raise AssertionError("the app server has no og_devnet child")
