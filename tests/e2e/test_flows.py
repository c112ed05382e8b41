"""User journeys in the browser against a real server and the real local network."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.support.browser import (
    WAV,
    choose,
    click,
    confirm_tx,
    ensure_funded,
    key,
    og_client,
    open_page,
    pick_wallet,
    secrets,
    shot,
    wait_idle,
)

pytestmark = pytest.mark.e2e
ONE_OG = 10**18


def fill(page, k: str, value: str) -> None:
    box = key(page, k).locator("input, textarea").first
    box.fill(value)
    box.press("Enter" if box.evaluate("e => e.tagName") == "INPUT" else "Control+Enter")
    wait_idle(page)


def test_discover_fund_chat_verified(devnet, app_server, page):
    ensure_funded(devnet, 1)  # a ledger only; the chatbot gets funded from Discover below
    chat = devnet.provider("chat-tee")["address"]
    open_page(page, app_server)
    pick_wallet(page, devnet, 1)
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)  # row 0 (chat-tee): the row-selection marker
    wait_idle(page)
    page.get_by_text(chat, exact=True).first.wait_for()  # details of the selected service
    click(page, page.get_by_role("button", name="Check attestation"))
    page.get_by_role("button", name="Download combined attestation report").wait_for()  # the step log ran

    page.get_by_role("button", name="Fund").click()
    fill(page, "disc_fund_amount", "3")
    click(page, page.get_by_role("button", name="Review transfer"))
    dialog = page.get_by_test_id("stDialog")
    dialog.get_by_text("3 OG").first.wait_for()
    shot(page, "flow-fund-confirm-dialog")
    confirm_tx(page)
    assert og_client(devnet, 1).ledger().provider(chat).balance_wei == 3 * ONE_OG

    click(page, page.get_by_role("button", name="Use in chat"))
    page.locator("h1", has_text="Chat").wait_for()
    assert page.get_by_text("zg-chat-tee-1").first.is_visible()
    area = page.get_by_test_id("stChatInputTextArea")
    area.fill("What is 2+3?")
    area.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(1)
    answer.get_by_text("2 + 3 = 5").wait_for(timeout=60_000)
    wait_idle(page)
    answer.get_by_text("verified", exact=True).wait_for()
    caption = answer.inner_text()
    assert "completion tokens" in caption and "OG" in caption and "ms" in caption
    shot(page, "flow-chat-verified")
    html = page.content()
    assert all(s not in html for s in secrets(devnet))


def test_text_to_image_preview_and_download(devnet, app_server, page):
    ensure_funded(devnet, 3, devnet.provider("image")["address"])
    open_page(page, app_server, "text-to-image")
    pick_wallet(page, devnet, 3)
    fill(page, "img_prompt", "a lighthouse at dusk")
    click(page, page.get_by_role("button", name="Generate"))
    page.get_by_text("verified", exact=True).first.wait_for()
    images = page.get_by_test_id("stImage")
    images.first.locator("img").wait_for()  # the result's preview, loaded
    assert images.count() >= 1
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download PNG").first.click()
    data = open(dl.value.path(), "rb").read()
    assert data.startswith(b"\x89PNG") and Image.open(io.BytesIO(data)).size == (512, 512)
    shot(page, "flow-text-to-image")


def test_image_edit_before_after(devnet, app_server, page, tmp_path):
    ensure_funded(devnet, 4, devnet.provider("edit")["address"])
    src = tmp_path / "red.png"
    Image.new("RGB", (96, 64), (220, 40, 40)).save(src)
    open_page(page, app_server, "image-edit")
    pick_wallet(page, devnet, 4)
    key(page, "edit_upload").locator("input[type=file]").set_input_files(str(src))
    wait_idle(page)
    fill(page, "edit_prompt", "make it black and white")
    click(page, page.get_by_role("button", name="Apply edit"))
    page.get_by_text("verified", exact=True).first.wait_for()
    page.get_by_text("Before").first.wait_for()
    page.get_by_text("After").first.wait_for()
    assert page.get_by_test_id("stImage").count() >= 2
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download edited PNG").click()
    assert open(dl.value.path(), "rb").read().startswith(b"\x89PNG")
    shot(page, "flow-image-edit")


def test_speech_to_text_upload(devnet, app_server, page):
    ensure_funded(devnet, 5, devnet.provider("speech")["address"])
    open_page(page, app_server, "speech-to-text")
    pick_wallet(page, devnet, 5)
    key(page, "stt_upload").locator("input[type=file]").set_input_files(str(WAV))
    wait_idle(page)
    assert page.get_by_test_id("stAudio").count() == 1  # playback
    click(page, page.get_by_role("button", name="Transcribe"))
    page.get_by_text("verified", exact=True).first.wait_for()
    transcript = page.get_by_test_id("stCode").first.inner_text().lower()
    assert "hello" in transcript
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download .txt").click()
    assert "hello" in open(dl.value.path()).read().lower()
    shot(page, "flow-speech-to-text-upload")


def test_wallet_deposit_fund_refund_advance_collect(devnet, app_server, page):
    lite = devnet.provider("chat-lite")["address"]
    client = og_client(devnet, 2)
    open_page(page, app_server, "wallet")
    pick_wallet(page, devnet, 2)
    fill(page, "wallet_deposit_amount", "10")
    click(page, key(page, "wallet_deposit_btn").get_by_role("button"))
    confirm_tx(page)
    assert client.ledger().available_wei >= 10 * ONE_OG

    click(page, page.get_by_role("tab", name="Fund a provider"))
    choose(page, key(page, "wallet_fund_provider"), f"local/zg-chat-lite-1 · {lite[:6]}…{lite[-4:]}")
    fill(page, "wallet_fund_amount", "2")
    click(page, key(page, "wallet_fund_btn").get_by_role("button"))
    confirm_tx(page)
    assert client.ledger().provider(lite).balance_wei == 2 * ONE_OG

    click(page, page.get_by_role("tab", name="Refunds"))
    click(page, key(page, "wallet_refund_btn").get_by_role("button"))
    confirm_tx(page)
    assert client.ledger().provider(lite).pending_refund_wei == 2 * ONE_OG
    page.get_by_text("unlocks in").first.wait_for(state="attached")  # a canvas grid cell
    shot(page, "flow-wallet-refund-pending")

    click(page, page.get_by_role("tab", name="Local dev tools"))
    click(page, key(page, "wallet_advance_btn").get_by_role("button"))
    click(page, page.get_by_role("tab", name="Refunds"))
    collect = key(page, "wallet_collect_btn").get_by_role("button")
    # the page re-reads chain time after the advance; on a loaded machine that rerun can still be
    # on its way when the tab opens, so wait for the button rather than read it once
    expect(collect).to_be_enabled(timeout=30_000)
    click(page, collect)
    confirm_tx(page)
    view = client.ledger()
    assert view.provider(lite) is None or view.provider(lite).balance_wei == 0
    click(page, page.get_by_role("tab", name="History"))
    assert page.get_by_text("0x", exact=False).count() > 0
    shot(page, "flow-wallet-collected")


def test_wallet_metrics_fit_and_the_tab_stays_at_1100px(devnet, app_server, browser):
    """At 1100 px no metric value is cut ('9,994.99…'), and a transaction keeps the user on their tab."""
    from tests.support.devnet import rpc

    ensure_funded(devnet, 9, ledger="9994.9999")
    address = devnet.info["demo_accounts"][9]["address"]
    rpc(devnet, "hardhat_setBalance", [address, hex(9_989_999_930_000_000_000_000)])  # 9,989.99993 OG
    lite = devnet.provider("chat-lite")["address"]
    ctx = browser.new_context(viewport={"width": 1100, "height": 1600})  # tall: the picker opens in view
    page = ctx.new_page()
    page.set_default_timeout(90_000)
    open_page(page, app_server, "wallet")
    pick_wallet(page, devnet, 9)
    values = key(page, "wallet_metrics").get_by_test_id("stMetricValue")  # not the sidebar's
    assert values.count() == 5
    cut = values.evaluate_all("els => els.filter(e => [e, ...e.querySelectorAll('*')].some("
                              "n => n.scrollWidth > n.clientWidth + 1)).map(e => e.innerText)")
    assert cut == [], cut
    shown = values.all_inner_texts()
    assert "9,989.9999 OG" in shown and "9,990 OG" not in shown  # balances are cut, never rounded up
    shot(page, "flow-wallet-metrics-1100px")

    click(page, page.get_by_role("tab", name="Fund a provider"))
    choose(page, key(page, "wallet_fund_provider"), f"local/zg-chat-lite-1 · {lite[:6]}…{lite[-4:]}")
    fill(page, "wallet_fund_amount", "1")
    click(page, key(page, "wallet_fund_btn").get_by_role("button"))
    confirm_tx(page)
    assert page.get_by_role("tab", name="Fund a provider").get_attribute("aria-selected") == "true"
    assert key(page, "wallet_fund_btn").is_visible()
    ctx.close()


def test_two_sessions_same_wallet_fund_at_once(devnet, app_server, browser):
    ensure_funded(devnet, 6, ledger="20")
    img = devnet.provider("image")["address"]
    client = og_client(devnet, 6)
    before = client.ledger().provider(img)
    before_wei = before.balance_wei if before else 0
    contexts, pages = [], []
    for _ in range(2):
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = ctx.new_page()
        pg.set_default_timeout(90_000)
        open_page(pg, app_server, "wallet")
        pick_wallet(pg, devnet, 6)
        click(pg, pg.get_by_role("tab", name="Fund a provider"))
        choose(pg, key(pg, "wallet_fund_provider"), f"local/zg-paint-1 · {img[:6]}…{img[-4:]}")
        fill(pg, "wallet_fund_amount", "1")
        click(pg, key(pg, "wallet_fund_btn").get_by_role("button"))
        pg.get_by_test_id("stDialog").wait_for()
        contexts.append(ctx)
        pages.append(pg)
    # Playwright's sync API is single-threaded: press both Confirm buttons back to back (the two
    # server sessions then send concurrently).
    for pg in pages:
        pg.get_by_test_id("stDialog").get_by_role("button", name="Confirm and send").click()
    for pg in pages:
        pg.get_by_text("Transaction hash:").first.wait_for(timeout=90_000)
        wait_idle(pg)
        assert pg.get_by_test_id("stException").count() == 0
        assert pg.get_by_text("Not done").count() == 0
    after = client.ledger().provider(img).balance_wei
    assert after == before_wei + 2 * ONE_OG
    shot(pages[1], "flow-two-sessions-funded")
    for ctx in contexts:
        ctx.close()
