"""The Models view in the browser (issue 10): Models → a model → its best-value provider → chat, whose
answer's cost names its price tier; then a `?model=` link back to it, the provider's attestation log
and one report downloaded exactly as the provider sent it."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests

from tests.support.browser import click, ensure_funded, open_page, shot, wait_idle

pytestmark = pytest.mark.e2e
MODEL = "local/zg-chat-tee-1"  # offered by chat-tee, chat-tiered and chat-cache at different prices
BEST = "chat-tiered"  # the lowest input + output price of the three (0.3 + 1.2 OG per 1M tokens)


def short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"


def click_row(page, grid, text: str) -> None:
    """Select the grid row whose first cell is `text` (the grid draws on a canvas: find the row in its
    accessible copy, click its selection marker)."""
    grid.locator("[role=row]").first.wait_for(state="attached")
    rows = [r.split("\n")[0].strip() for r in grid.locator("[role=row]").all_inner_texts()[1:]]  # [0]: header
    index = next(i for i, r in enumerate(rows) if text in r)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 35 * index + 17)
    wait_idle(page)


def best_card(page):
    return page.locator("[class*='st-key-disc_offer_']").filter(has_text="Best value")


def test_models_view_best_value_chat_names_its_tier_and_attestation_downloads(devnet, app_server, page):
    best = devnet.provider(BEST)
    ensure_funded(devnet, 0, best["address"])  # Demo #1, the wallet a new tab starts with
    open_page(page, app_server)
    page.get_by_test_id("stButtonGroup").get_by_text("Models", exact=True).click()
    wait_idle(page)
    click_row(page, page.get_by_test_id("stDataFrame").first, MODEL)
    page.get_by_text("3 providers").first.wait_for()
    card = best_card(page)
    assert card.count() == 1
    assert short(best["address"]) in card.inner_text()  # the cheapest of the three is marked
    shot(page, "models-best-value")
    click(page, card.get_by_role("button", name="Use in chat"))

    page.locator("h1", has_text="Chat").wait_for()
    area = page.get_by_test_id("stChatInputTextArea")
    area.fill("What is 2+3?")
    area.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(1)
    answer.get_by_text("verified", exact=True).wait_for(timeout=90_000)
    wait_idle(page)
    text = answer.inner_text()
    assert "tier ≤1k tokens" in text, text  # the cost names the tier it was billed in
    shot(page, "models-chat-tier")

    open_page(page, app_server, f"?model={quote(MODEL, safe='')}")  # a link straight to the model
    page.get_by_text("3 providers").first.wait_for()
    click(page, best_card(page).get_by_role("button", name="Details"))
    click(page, page.get_by_role("button", name="Check attestation"))
    page.get_by_text("Attestation passed").first.wait_for()
    with page.expect_download() as got:
        page.get_by_role("button", name="Download combined attestation report").click()
    download = got.value
    assert download.suggested_filename == f"{best['address']}-quote.json"
    sent = requests.get(f"{best['url'].rstrip('/')}/v1/quote", timeout=30).content
    assert open(download.path(), "rb").read() == sent  # exactly as received
    shot(page, "models-attestation")
