"""The README's "Your first five minutes", walked in the browser exactly as written: Discover shows the
services, Chat gets a verified answer with its cost on the ready demo wallet, the Wallet page explains
where the money is. The screenshots it takes are the README's: run with OG_DOCS_SHOTS=1 to refresh
docs/img/ (otherwise they go to test-artifacts/ only)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support.browser import ROOT, open_page, shot, wait_idle

pytestmark = pytest.mark.e2e
DOCS_IMG = ROOT / "docs" / "img"
README = ROOT / "README.md"


def keep(page, name: str) -> Path:
    """A viewport screenshot (what a person sees first), copied to docs/img/ when asked."""
    path = shot(page, f"first-five-{name}")
    page.screenshot(path=str(path))  # the viewport, not the whole scroll height
    if os.environ.get("OG_DOCS_SHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMG / f"first-five-{name}.png")
    return path


def test_the_readme_names_the_screenshots_this_walk_makes():
    text = README.read_text()
    for name in ("discover", "chat", "wallet"):
        assert f"docs/img/first-five-{name}.png" in text
        assert (DOCS_IMG / f"first-five-{name}.png").exists()


def test_first_five_minutes_walk(devnet, app_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 820})
    try:
        page = context.new_page()
        page.set_default_timeout(90_000)
        open_page(page, app_server, "")
        assert page.locator("h1").first.inner_text().strip() == "Discover services"
        page.get_by_test_id("stDataFrame").first.wait_for()  # the services, from the chain (drawn after the run)
        keep(page, "discover")

        open_page(page, app_server, "chat")
        area = page.get_by_test_id("stChatInputTextArea")
        area.fill("What is the 0G Compute Network?")
        area.press("Enter")
        answer = page.get_by_test_id("stChatMessage").nth(1)
        answer.get_by_text("verified", exact=True).wait_for(timeout=90_000)
        wait_idle(page)
        assert "OG" in answer.inner_text()  # what it cost, in OG
        answer.scroll_into_view_if_needed()
        keep(page, "chat")

        open_page(page, app_server, "wallet")
        text = page.get_by_test_id("stMain").inner_text()
        for word in ("Available", "Locked"):
            assert word.lower() in text.lower(), word
        keep(page, "wallet")
    finally:
        context.close()
