"""Chat at phone width (390 px): the provider, the message box and the answer with its cost and its
verification fit the screen, with nothing wider than it; the sidebar is folded away."""

from __future__ import annotations

import pytest

from tests.support.browser import fits, open_page, overflow, phone_context, shot, wait_idle

pytestmark = pytest.mark.e2e


def test_chat_is_usable_at_phone_width(devnet, app_server, browser):
    context = phone_context(browser)
    try:
        page = context.new_page()
        page.set_default_timeout(90_000)
        open_page(page, app_server, "chat")
        assert page.locator("h1", has_text="Chat").is_visible()
        # Streamlit folds the sidebar on a narrow screen: the page itself is the whole width.
        assert not page.get_by_test_id("stSidebar").is_visible() or \
            page.get_by_test_id("stSidebar").bounding_box()["x"] < 0
        area = page.get_by_test_id("stChatInputTextArea")
        assert fits(area)
        assert overflow(page) <= 1

        area.fill("What is 2+3?")
        area.press("Enter")
        answer = page.get_by_test_id("stChatMessage").nth(1)
        answer.get_by_text("2 + 3 = 5").wait_for(timeout=90_000)
        wait_idle(page)
        answer.get_by_text("verified", exact=True).wait_for()
        answer.scroll_into_view_if_needed()
        assert fits(answer)
        assert "OG" in answer.inner_text()  # its cost, readable at this width
        assert overflow(page) <= 1, "the chat page scrolls sideways at 390 px"
        shot(page, "phone-chat")
    finally:
        context.close()
