"""Speech-to-text from Chromium's fake microphone (fed with hello_world.wav), and secret hygiene:
an API key created in the UI never reaches the page HTML or the server log."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import (
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
    page.get_by_role("tab", name="API keys").click()
    click(page, key(page, "wallet_key_create").get_by_role("button"))
    page.get_by_text("shown only here, once").wait_for()
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download the key (.txt)").click()
    token = open(dl.value.path()).read().strip()
    assert token.startswith("app-sk-")
    shot(page, "flow-api-key-created")
    for path in (None, "", "chat"):  # the wallet page as it is, then fresh loads of other pages
        if path is not None:
            open_page(page, app_server, path)
        html = page.content()
        assert token not in html and "app-sk-" not in html
        assert all(s not in html for s in secrets(devnet))
        assert token not in page.url
    log = app_server.log()
    assert token not in log and "app-sk-" not in log
    assert all(s not in log for s in secrets(devnet))
