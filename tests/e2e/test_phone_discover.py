"""Discover at phone width (390 px): both views fit the screen with nothing wider than it, the columns
people decide on come first (model, prices, health, TEE), and a model's providers can be used with one
tap (issue 11 §5)."""

from __future__ import annotations

import pytest

from tests.support.browser import fits, open_page, overflow, phone_context, shot, wait_idle

pytestmark = pytest.mark.e2e
PROVIDER_COLUMNS = ["model", "input", "output", "per", "health", "TEE"]  # what people decide on, first
MODEL_COLUMNS = ["model", "price", "health", "verified"]



def headers(grid) -> list[str]:
    """The table's column headers in order (the grid draws on a canvas; this is its accessible copy)."""
    grid.scroll_into_view_if_needed()
    grid.locator("[role=columnheader]").first.wait_for(state="attached")
    return [h.strip() for h in grid.locator("[role=columnheader]").all_inner_texts() if h.strip()]


def test_discover_is_usable_at_phone_width(devnet, app_server, browser):
    context = phone_context(browser)
    try:
        page = context.new_page()
        page.set_default_timeout(90_000)
        open_page(page, app_server, "")
        assert page.locator("h1", has_text="Discover services").is_visible()
        grid = page.get_by_test_id("stDataFrame").first
        shown = headers(grid)  # the grid draws only the columns in view: at 390 px, the first ones
        assert len(shown) >= 3 and shown == PROVIDER_COLUMNS[:len(shown)], shown
        assert fits(grid)
        assert overflow(page) <= 1, "Discover scrolls sideways at 390 px"
        shot(page, "phone-discover-providers")

        page.get_by_test_id("stButtonGroup").get_by_text("Models", exact=True).click()
        wait_idle(page)
        grid = page.get_by_test_id("stDataFrame").first
        shown = headers(grid)  # the grid draws only the columns in view: at 390 px, the first ones
        assert len(shown) >= 2 and shown == MODEL_COLUMNS[:len(shown)], shown
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)  # row 0's selection marker
        wait_idle(page)
        use = page.get_by_role("button", name="Use in chat").first
        use.scroll_into_view_if_needed()
        assert use.is_visible() and fits(use)
        assert fits(page.locator(".st-key-disc_offer_0"))
        assert overflow(page) <= 1, "the Models view scrolls sideways at 390 px"
        shot(page, "phone-discover-models")
    finally:
        context.close()
