"""Issue 8 finding 5 in a real browser: a hostile provider's markdown never loads an image, renders a
link or plants a banner. A tracker server on loopback counts every request; the provider's model name,
service type, verifiability, URL path, /v1/models ids, additionalInfo (TargetTeeAddress), attestation
and signature errors, error texts, a chat answer and a mid-stream error all point at it. Walking
Discover (details, attestation), the fund dialog, Chat (an answer and errors), Wallet and
Text-to-image (a decompression bomb) must cost it 0 hits, and the page must show the text literally."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import (
    click,
    ensure_funded,
    key,
    open_page,
    shot,
    start_server,
    wait_idle,
)
from tests.support.rogue import HostileNet, hostile_network

pytestmark = [pytest.mark.e2e, pytest.mark.devnet]  # a network of its own, with the hostile catalogue


@pytest.fixture(scope="module")
def net() -> Iterator[HostileNet]:
    yield from hostile_network()


@pytest.fixture(scope="module")
def server(net):
    ensure_funded(net.handle, 0, net.chat, net.image_provider)  # Demo #1, the sidebar's default wallet
    s = start_server(net.handle.rpc_url, "hostile")
    yield s
    s.stop()


def _nothing_points_at(page, net: HostileNet) -> None:
    """No element of the page links to or loads from the tracker, and the tracker saw no request."""
    host = net.tracker.url.removeprefix("http://")
    found = page.evaluate("""host => [...document.querySelectorAll('a[href], img[src], [style]')]
        .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('style'))
        .filter(v => v && v.includes(host))""", host)
    assert found == [], found
    assert net.tracker.hits == [], net.tracker.hits
    assert page.get_by_test_id("stException").count() == 0


def _search(page, text: str) -> None:
    box = key(page, "disc_search").locator("input")
    box.fill(text)
    box.press("Enter")
    wait_idle(page)
    grid = page.get_by_test_id("stDataFrame").first
    b = grid.bounding_box()
    page.mouse.click(b["x"] + 15, b["y"] + 35 + 17)  # row 0: the row-selection marker
    wait_idle(page)


def _ask(page, prompt: str) -> None:
    area = page.get_by_test_id("stChatInputTextArea")
    area.fill(prompt)
    area.press("Enter")
    wait_idle(page)


def test_a_hostile_provider_loads_nothing_and_shows_its_text_as_typed(net, server, page):
    bait = net.tracker
    open_page(page, server)
    _search(page, "img/model")  # the chatbot: its model name is bait
    page.get_by_text("Check attestation").wait_for()
    click(page, page.get_by_role("button", name="Check attestation"))
    page.get_by_text(f"![t]({bait.url}/img/attestation)").first.wait_for()  # the provider's words, as typed
    assert page.get_by_text(f"[Fund here]({bait.url}/link/models)").count() >= 1  # a /v1/models id
    _nothing_points_at(page, net)

    page.get_by_role("button", name="Fund").click()
    box = key(page, "disc_fund_amount").locator("input")
    box.fill("2")
    box.press("Enter")
    wait_idle(page)
    click(page, page.get_by_role("button", name="Review transfer"))
    dialog = page.get_by_test_id("stDialog")
    apart = dialog.locator(".st-key-tx_provider_name_" + net.chat)  # the provider's name: a box of its own
    apart.get_by_text(f"![t]({bait.url}/img/model)", exact=False).first.wait_for()  # as plain text
    assert "Verified by 0G" in apart.inner_text()  # the banner's words, typed, inside that box…
    assert dialog.inner_text().count("Verified by 0G") == 1  # …and nowhere else in the dialog
    assert dialog.get_by_test_id("stAlertContentSuccess").count() == 0
    shot(page, "hostile-fund-dialog")
    _nothing_points_at(page, net)
    click(page, dialog.get_by_role("button", name="Cancel"))

    _search(page, "lure-model")  # type, verifiability, URL path, TargetTeeAddress: all bait
    page.get_by_text(f"![t]({bait.url}/target)", exact=False).first.wait_for()
    assert page.get_by_text(f"![t]({bait.url}/url)", exact=False).count() >= 1
    shot(page, "hostile-discover-lure")
    _nothing_points_at(page, net)

    open_page(page, server, "chat")
    net.rogue.mode = "bait-answer"
    _ask(page, "hello")
    answer = page.get_by_test_id("stChatMessage").nth(1)
    answer.get_by_text("# Heading", exact=False).wait_for()  # markdown shown as typed, line breaks kept
    assert "**bold** line" in answer.inner_text()
    net.rogue.mode = "bait-error"
    _ask(page, "again")
    page.get_by_text(f"[Fund here]({bait.url}/link/error)", exact=False).first.wait_for()
    page.get_by_text("Technical details").first.click()
    net.rogue.mode = "bait-midstream"
    _ask(page, "and again")
    page.get_by_text(f"![t]({bait.url}/img/midstream)", exact=False).first.wait_for()
    shot(page, "hostile-chat")
    _nothing_points_at(page, net)

    open_page(page, server, "wallet")
    page.get_by_text("Provider accounts").wait_for()
    _nothing_points_at(page, net)

    open_page(page, server, "text-to-image")
    net.images.mode = "bomb"
    box = key(page, "img_prompt").locator("textarea")
    box.fill("a red house")
    box.press("Control+Enter")
    wait_idle(page)
    click(page, page.get_by_role("button", name="Generate"))
    page.get_by_text("far larger than", exact=False).first.wait_for()
    shot(page, "hostile-image-bomb")
    _nothing_points_at(page, net)
