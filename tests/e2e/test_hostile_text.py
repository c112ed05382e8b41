"""Issue 8 finding 5 in a real browser: a hostile provider's markdown never loads an image, renders a
link or plants a banner. A tracker server on loopback counts every request; the provider's model name,
service type, verifiability, URL path, /v1/models ids, additionalInfo (TargetTeeAddress), attestation
and signature errors, error texts, a chat answer and a mid-stream error all point at it. Walking
Discover (details, attestation), the fund dialog, Chat (an answer and errors), Wallet and
Text-to-image (a decompression bomb) must cost it 0 hits, and the page must show the text literally."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.support.browser import (
    click,
    ensure_funded,
    key,
    og_client,
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
    demo = og_client(net.handle, 0)  # Demo #1, the sidebar's default wallet (it starts with its OG locked)
    demo.execute(demo.plan_deposit("20"))
    ensure_funded(net.handle, 0, net.chat, net.image_provider)
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


def _shown(where, text: str, timeout_s: float = 60) -> None:
    """Wait until `text` is on the page as typed (markdown places carry invisible word joiners, U+2060,
    where Streamlit would otherwise make a link or an icon: they are ignored here)."""
    import time

    deadline = time.monotonic() + timeout_s
    while text not in where.inner_text().replace("\u2060", ""):
        assert time.monotonic() < deadline, f"not shown: {text!r}"
        time.sleep(0.25)


def _search(page, text: str) -> None:
    page.get_by_role("button", name=re.compile(r"^Filters")).click()  # search lives in the Filters popover
    box = key(page, "disc_search").locator("input")
    box.fill(text)
    box.press("Enter")
    wait_idle(page)
    grid = page.get_by_test_id("stDataFrame").first
    b = grid.bounding_box()
    page.mouse.click(b["x"] + 15, b["y"] + 35 + 17)  # row 0: the row-selection marker
    wait_idle(page)


def _pick(page, k: str, has_text: str) -> None:
    """Choose the option holding `has_text` in the selectbox with key `k`."""
    key(page, k).get_by_role("combobox").click()
    page.get_by_role("option").filter(has_text=has_text).first.click()
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
    page.get_by_role("button", name="Check attestation").wait_for()
    click(page, page.get_by_role("button", name="Check attestation"))
    page.get_by_text("Attestation FAILED", exact=False).first.wait_for()  # its report is bait, not a report
    page.wait_for_timeout(1000)  # time for any image the page would load
    _nothing_points_at(page, net)
    body = page.locator("body")
    _shown(body, f"![t]({bait.url}/img/attestation)")  # the attestation error, in the provider's words
    _shown(body, f"[Fund here]({bait.url}/link/models)")  # a /v1/models id

    page.get_by_role("button", name="Fund").click()
    box = key(page, "disc_fund_amount").locator("input")
    box.fill("2")
    box.press("Enter")
    wait_idle(page)
    click(page, page.get_by_role("button", name="Review transfer"))
    dialog = page.get_by_test_id("stDialog")
    apart = dialog.locator(".st-key-tx_provider_name_" + net.chat)  # the provider's name: a box of its own
    _shown(apart, f"![t]({bait.url}/img/model)")  # as plain text
    assert "Verified by 0G" in apart.inner_text()  # the banner's words, typed, inside that box…
    assert dialog.inner_text().count("Verified by 0G") == 1  # …and nowhere else in the dialog
    assert dialog.get_by_test_id("stAlertContentSuccess").count() == 0
    shot(page, "hostile-fund-dialog")
    _nothing_points_at(page, net)
    click(page, dialog.get_by_role("button", name="Cancel"))

    _search(page, "lure-model")  # type, verifiability, URL path, TargetTeeAddress: all bait
    _shown(body, f"![t]({bait.url}/target)")
    _shown(body, f"![t]({bait.url}/url)")
    shot(page, "hostile-discover-lure")
    _nothing_points_at(page, net)

    open_page(page, server, "chat")
    _pick(page, "chat_provider", "img/model")  # an option: plain text, shown as typed
    body = page.locator("body")
    net.rogue.mode = "bait-answer"
    _ask(page, "hello")
    answer = page.get_by_test_id("stChatMessage").nth(1)
    _shown(answer, "# Heading\n\n![t](")  # markdown shown as typed, line breaks kept
    _shown(answer, "- a list item\n**bold** line")
    net.rogue.mode = "bait-error"
    _ask(page, "again")
    _shown(body, f"[Fund here]({bait.url}/link/error)")
    page.get_by_text("Technical details").first.click()
    net.rogue.mode = "bait-midstream"
    _ask(page, "and again")
    _shown(body, f"![t]({bait.url}/img/midstream)")
    shot(page, "hostile-chat")
    _nothing_points_at(page, net)

    open_page(page, server, "wallet")
    page.get_by_text("Provider accounts").wait_for()
    _nothing_points_at(page, net)

    open_page(page, server, "text-to-image")
    _pick(page, "img_provider", "hostile/images")  # its model name is bait too
    net.images.mode = "bomb"
    box = key(page, "img_prompt").locator("textarea")
    box.fill("a red house")
    box.press("Control+Enter")
    wait_idle(page)
    click(page, page.get_by_role("button", name="Generate"))
    _shown(page.locator("body"), "far larger than")
    shot(page, "hostile-image-bomb")
    _nothing_points_at(page, net)
