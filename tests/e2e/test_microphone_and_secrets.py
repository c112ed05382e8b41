"""Speech-to-text from Chromium's fake microphone (fed with hello_world.wav), and secret hygiene:
an API key created in the UI reaches the page only when the user asks to see it, and never the
server log."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import (
    KEY_PREFIX,
    WAV,
    click,
    ensure_funded,
    key,
    launch_chromium,
    new_page,
    open_page,
    pick_wallet,
    secrets,
    shot,
    wait_idle,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def mic_page(playwright_instance):
    browser = launch_chromium(playwright_instance, "--use-fake-device-for-media-stream",
                              "--use-fake-ui-for-media-stream", f"--use-file-for-fake-audio-capture={WAV}")
    # the microphone works only on localhost/HTTPS: the server listens on 127.0.0.1
    yield new_page(browser, timeout_ms=90_000, permissions=["microphone"])
    browser.close()


def test_speech_to_text_from_microphone(devnet, app_server, mic_page):
    page = mic_page
    ensure_funded(devnet, 7, devnet.provider("speech")["address"])
    open_page(page, app_server, "speech-to-text")
    pick_wallet(page, devnet, 7)
    click(page, page.get_by_text("Record with the microphone"))
    record = key(page, "stt_record").get_by_test_id("stAudioInputActionButton")
    record.click()
    page.wait_for_timeout(3500)  # hello_world.wav loops; record a few seconds of it
    key(page, "stt_record").get_by_test_id("stAudioInputActionButton").click()
    wait_idle(page)
    page.get_by_text("The browser records only on localhost or HTTPS.").wait_for()
    click(page, page.get_by_role("button", name="Transcribe"))
    page.get_by_text("verified", exact=True).first.wait_for()
    transcript = page.get_by_test_id("stCode").first.inner_text().lower()
    assert "hello" in transcript or "world" in transcript, transcript
    shot(page, "flow-speech-to-text-microphone")


def test_api_key_never_in_html_or_log(devnet, app_server, page):
    chat = devnet.provider("chat-tee")["address"]
    ensure_funded(devnet, 8, chat)
    open_page(page, app_server, "wallet")
    pick_wallet(page, devnet, 8)
    click(page, page.get_by_role("tab", name="API keys"))
    click(page, key(page, "wallet_key_create").get_by_role("button"))
    page.get_by_text("shown only here, once").wait_for()
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download the key (.txt)").click()
    token = open(dl.value.path()).read().strip()
    assert token.startswith("app-sk-")
    shot(page, "flow-api-key-created")
    assert token not in page.content()  # not on the page until the user asks to see it
    click(page, key(page, "wallet_key_show").locator("label"))
    assert page.get_by_test_id("stCode").filter(has_text=token).count() == 1  # once, copyable
    click(page, page.get_by_role("button", name="I saved it — forget it"))
    # the rerun that forgets it may still be drawing when the click returns: wait until the box is gone
    page.get_by_text("shown only here, once").wait_for(state="detached", timeout=30_000)
    for path in (None, "", "chat"):  # the wallet page as it is, then fresh loads of other pages
        if path is not None:
            open_page(page, app_server, path)
        html = page.content()
        assert token not in html and KEY_PREFIX not in html
        assert all(s not in html for s in secrets(devnet))
        assert token not in page.url
    log = app_server.log()
    assert token not in log and KEY_PREFIX not in log
    assert all(s not in log for s in secrets(devnet))


def test_pasted_private_key_never_leaves_the_server_session(devnet, app_server, page):
    """The key a testnet/mainnet user pastes: used for a real transaction, never echoed into the page,
    the URL, the server log or any file."""
    import time

    from eth_account import Account

    from tests.support.browser import ROOT, choose, confirm_tx
    from tests.support.devnet import rpc

    started = time.time()
    account = Account.create()
    rpc(devnet, "hardhat_setBalance", [account.address, hex(50 * 10**18)])
    private = account.key.hex().removeprefix("0x")
    forms = [private, "0x" + private, private.upper()]

    open_page(page, app_server, "wallet")
    choose(page, key(page, "ui_demo_address"), "Another key (paste it)")
    box = key(page, "ui_key_input").locator("input")
    box.fill("0x" + "zz" * 32)  # malformed first: refused without echoing it
    box.press("Enter")
    wait_idle(page)
    assert page.get_by_text("That is not a private key", exact=False).first.is_visible()
    box.fill("0x" + private)
    box.press("Enter")
    wait_idle(page)
    short = f"{account.address[:6]}…{account.address[-4:]}"
    page.get_by_text(f"Wallet {short} (key typed in this tab)").wait_for()
    assert key(page, "ui_key_input").count() == 0  # the box is gone: the key is never sent back to it

    amount = key(page, "wallet_deposit_amount").locator("input")
    amount.fill("5")
    amount.press("Enter")
    wait_idle(page)
    click(page, key(page, "wallet_deposit_btn").get_by_role("button"))
    confirm_tx(page)  # a real transaction signed with the pasted key
    assert og_balance_in_ledger(devnet, account.address) == 5 * 10**18

    for path in (None, "chat", "discover"):
        if path is not None:
            open_page(page, app_server, path)
        html = page.content()
        assert not any(f in html for f in forms), path
        assert not any(f in page.url for f in forms)
    log = app_server.log()
    assert not any(f in log for f in forms)
    for path in _files_written_since(started, [ROOT, Path.home() / ".streamlit", Path("/tmp")]):
        data = path.read_bytes()
        assert not any(f.encode() in data for f in forms), path


def og_balance_in_ledger(devnet, address: str) -> int:
    """The ledger's total balance, read straight from the contract."""
    from web3 import Web3
    from zerog_py_sdk.contracts.abis import LEDGER_CONTRACT_ABI

    w3 = Web3(Web3.HTTPProvider(devnet.rpc_url))
    ledger = w3.eth.contract(address=devnet.info["addresses"]["ledger"], abi=LEDGER_CONTRACT_ABI)
    return int(ledger.functions.getLedger(address).call()[2])


def _files_written_since(started: float, roots: list[Path]) -> list[Path]:
    found = []
    for root in roots:
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if ".git" in path.parts or not path.is_file() or path.is_symlink():
                continue
            try:
                if path.stat().st_mtime >= started and path.stat().st_size < 50 * 2**20:
                    found.append(path)
            except OSError:
                continue
    return found
