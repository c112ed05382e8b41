"""Text-to-image, image editing and speech-to-text pages: main flows and refused bad input."""

from __future__ import annotations

import io
import struct
import threading
import time
import wave
from pathlib import Path

import pytest
from PIL import Image

from tests.support.app import provider, texts

WAV = Path(__file__).resolve().parents[1] / "data" / "hello_world.wav"


def _png(color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, "PNG")
    return buf.getvalue()


def test_text_to_image(open_app, app_env, wallet):
    img = provider(app_env, "image")
    wallet.fund(img)
    at = open_app("text_to_image", wallet)
    at.button(key="img_run").click().run()
    assert any("empty prompt" in t for t in texts(at.warning))
    assert "img_last" not in at.session_state

    at.text_area(key="img_prompt").set_value("a red lighthouse at dusk")
    at.number_input(key="img_count").set_value(2)
    at.selectbox(key="img_size").set_value("256x256")
    at.number_input(key="img_seed").set_value(7)
    at.button(key="img_run").click().run()
    assert not at.exception
    last = at.session_state["img_last"]
    assert len(last["result"].images) == 2
    for png in last["result"].images:
        assert Image.open(io.BytesIO(png)).size == (256, 256)
    assert str(last["verification"].status) == "verified"
    assert len(at.session_state["img_gallery"]) == 2
    assert any("0.02 OG" in t and "ms" in t for t in texts(at.caption))


def test_text_to_image_unfunded_offers_funding(open_app, app_env, wallet):
    at = open_app("text_to_image", wallet)
    assert any("no ledger yet" in t for t in texts(at.warning))
    assert at.button(key="img_run").disabled


def test_image_edit_refuses_non_image_then_edits(open_app, app_env, wallet):
    wallet.fund(provider(app_env, "edit"))
    at = open_app("image_edit", wallet)
    at.file_uploader(key="edit_upload").set_value(("notes.png", b"this is not a picture", "image/png")).run()
    assert any("not an image" in t for t in texts(at.error))
    at.text_input(key="edit_prompt").set_value("make it black and white")
    at.button(key="edit_run").click().run()
    assert any("Upload an image" in t for t in texts(at.warning))
    assert "edit_last" not in at.session_state

    at.file_uploader(key="edit_upload").set_value(("red.png", _png(), "image/png")).run()
    at.button(key="edit_run").click().run()
    assert not at.exception
    last = at.session_state["edit_last"]
    after = Image.open(io.BytesIO(last["result"].images[0])).convert("RGB")
    r, g, b = after.getpixel((10, 10))
    assert r == g == b  # black and white
    assert str(last["verification"].status) == "verified"


def test_speech_to_text_upload_and_record(open_app, app_env, wallet):
    wallet.fund(provider(app_env, "speech"))
    at = open_app("speech_to_text", wallet)
    at.button(key="stt_run").click().run()
    assert any("Upload or record" in t for t in texts(at.warning))

    at.file_uploader(key="stt_upload").set_value(("hello.wav", WAV.read_bytes(), "audio/wav")).run()
    at.button(key="stt_run").click().run()
    assert not at.exception
    last = at.session_state["stt_last"]
    assert "hello" in last["result"].text.lower()
    assert str(last["verification"].status) == "verified"
    assert any("hello" in c.lower() for c in texts(at.code))

    at.radio(key="stt_source").set_value("Record with the microphone").run()
    at.audio_input(key="stt_record").set_value(("rec.wav", WAV.read_bytes(), "audio/wav")).run()
    at.button(key="stt_run").click().run()
    assert "hello" in at.session_state["stt_last"]["result"].text.lower()
    assert at.session_state["stt_last"]["name"] == "recording.wav"


def test_speech_to_text_corrupt_audio(open_app, app_env, wallet):
    wallet.fund(provider(app_env, "speech"))
    at = open_app("speech_to_text", wallet)
    ledger_before = wallet.client.ledger()
    at.file_uploader(key="stt_upload").set_value(("broken.wav", b"RIFF" + bytes(range(256)) * 4, "audio/wav")).run()
    at.button(key="stt_run").click().run()
    assert not at.exception
    assert at.error
    assert "stt_last" not in at.session_state
    assert wallet.client.ledger().total_wei == ledger_before.total_wei

    at.file_uploader(key="stt_upload").set_value(("tiny.wav", b"RIFF", "audio/wav")).run()
    assert any("too short" in t for t in texts(at.error))


# --- a paid request is sent once, whatever the reruns -------------------------------------------------

def _gate(client, method: str) -> tuple[list[int], threading.Event]:
    """Make `client.<method>` wait for the returned event (counting calls), so a request stays in flight."""
    real = getattr(client, method)
    calls: list[int] = []
    gate = threading.Event()

    def held(*args, **kwargs):
        calls.append(1)
        gate.wait(60)
        return real(*args, **kwargs)

    setattr(client, method, held)
    return calls, gate


def _click_again_while_running(at, button: str, method: str) -> list[int]:
    """Click `button`; cut that run off while the request is in flight (as a click elsewhere would), then
    click again. Returns the calls the provider saw; the request is released during the second run."""
    calls, gate = _gate(at.session_state["ui_client"][1], method)
    safety = threading.Timer(15, gate.set)  # without the fix the first run blocks until this fires
    safety.start()
    try:
        with pytest.raises(RuntimeError, match="timed out"):
            at.button(key=button).click().run(timeout=5)
        sent = len(calls)
        assert sent >= 1
        threading.Timer(1.0, gate.set).start()
        at.button(key=button).click().run()  # the double click: arrives before the button is disabled
    finally:
        safety.cancel()
        gate.set()
    assert not at.exception, [e.value for e in at.exception]
    assert len(calls) == sent, "a second paid request was sent while the first was running"
    assert not at.button(key=button).disabled  # finished: usable again
    return calls


def test_text_to_image_double_click_sends_once_and_keeps_the_result(open_app, app_env, wallet):
    wallet.fund(provider(app_env, "image"))
    at = open_app("text_to_image", wallet)
    at.text_area(key="img_prompt").set_value("two blue circles")
    at.selectbox(key="img_size").set_value("256x256")
    calls = _click_again_while_running(at, "img_run", "generate_images")
    assert len(calls) == 1
    assert len(at.session_state["img_last"]["result"].images) == 1  # the first request's result is shown
    assert str(at.session_state["img_last"]["verification"].status) == "verified"
    assert len(at.session_state["img_gallery"]) == 1
    assert any("two blue circles" in c for im in at.get("image") for c in im.captions)


def test_image_edit_double_click_sends_once(open_app, app_env, wallet):
    wallet.fund(provider(app_env, "edit"))
    at = open_app("image_edit", wallet)
    at.file_uploader(key="edit_upload").set_value(("red.png", _png(), "image/png")).run()
    at.text_input(key="edit_prompt").set_value("invert")
    assert len(_click_again_while_running(at, "edit_run", "edit_image")) == 1
    assert at.session_state["edit_last"]["instruction"] == "invert"


def test_speech_to_text_double_click_sends_once(open_app, app_env, wallet):
    wallet.fund(provider(app_env, "speech"))
    at = open_app("speech_to_text", wallet)
    at.file_uploader(key="stt_upload").set_value(("hello.wav", WAV.read_bytes(), "audio/wav")).run()
    assert len(_click_again_while_running(at, "stt_run", "transcribe")) == 1
    assert "hello" in at.session_state["stt_last"]["result"].text.lower()


def test_compare_double_click_sends_once(open_app, app_env, wallet):
    tee, lite = provider(app_env, "chat-tee"), provider(app_env, "chat-lite")
    wallet.fund(tee, lite)
    at = open_app("compare", wallet)
    at.multiselect(key="cmp_providers").set_value([tee, lite])
    at.text_area(key="cmp_prompt").set_value("What is 6 times 7?")
    calls = _click_again_while_running(at, "cmp_run", "chat")
    assert len(calls) == 2  # one question to each provider, once
    assert all("42" in row[1].text for row in at.session_state["cmp_results"]["result"])


def test_a_result_that_finishes_while_on_another_page_is_kept(open_app, app_env, wallet):
    wallet.fund(provider(app_env, "image"))
    at = open_app("text_to_image", wallet)
    at.text_area(key="img_prompt").set_value("a purple heart")
    at.selectbox(key="img_size").set_value("256x256")
    calls, gate = _gate(at.session_state["ui_client"][1], "generate_images")
    try:
        with pytest.raises(RuntimeError, match="timed out"):
            at.button(key="img_run").click().run(timeout=5)  # the user leaves while it runs
    finally:
        gate.set()
    assert at.session_state["img_job"].done.wait(60)
    at.switch_page("app_pages/image_edit.py").run()
    assert not at.exception
    assert [item["prompt"] for item in at.session_state["img_gallery"]] == ["a purple heart"]
    assert not at.radio(key="edit_source").disabled  # the new image can be picked here

    at.switch_page("app_pages/text_to_image.py").run()
    assert calls == [1] and "img_job" not in at.session_state
    assert any("a purple heart #1" in c for im in at.get("image") for c in im.captions)


def test_image_edit_refusal_is_shown_until_the_next_request(open_app, app_env, wallet):
    wallet.fund(provider(app_env, "edit"))
    at = open_app("image_edit", wallet)
    at.file_uploader(key="edit_upload").set_value(("red.png", _png(), "image/png")).run()
    at.text_input(key="edit_prompt").set_value("paint it like van gogh")
    at.button(key="edit_run").click().run()
    assert not at.exception
    assert "edit_last" not in at.session_state and "edit_job" not in at.session_state
    assert any("van gogh" in t.lower() for t in texts(at.error))
    at.run()  # the refusal is still there on the next run
    assert any("van gogh" in t.lower() for t in texts(at.error))

    at.text_input(key="edit_prompt").set_value("invert")
    at.button(key="edit_run").click().run()
    assert "edit_last" in at.session_state and not at.error


# --- audio pre-check, stale transcripts ---------------------------------------------------------------

def _silent_wav_without_samples() -> bytes:
    """A well-formed WAV (with a LIST chunk, so it is not 'tiny') whose data chunk is empty."""
    fmt = struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)
    info = b"INFOISFT" + struct.pack("<I", 30) + b"x" * 30
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"LIST" + struct.pack("<I", len(info)) + info
            + b"data" + struct.pack("<I", 0))
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_speech_to_text_refuses_non_audio_before_paying(open_app, app_env, wallet):
    wallet.fund(provider(app_env, "speech"))
    at = open_app("speech_to_text", wallet)
    calls, gate = _gate(at.session_state["ui_client"][1], "transcribe")
    gate.set()
    at.file_uploader(key="stt_upload").set_value(("photo.wav", _png() * 3, "audio/wav")).run()
    assert any("not audio we can read" in t for t in texts(at.error))
    at.button(key="stt_run").click().run()
    assert any("Upload or record" in t for t in texts(at.warning))

    at.file_uploader(key="stt_upload").set_value(("empty.wav", _silent_wav_without_samples(), "audio/wav")).run()
    assert any("no sound" in t for t in texts(at.error))
    at.button(key="stt_run").click().run()
    assert calls == [] and "stt_last" not in at.session_state


def test_speech_to_text_labels_a_transcript_of_an_earlier_file(open_app, app_env, wallet):
    wallet.fund(provider(app_env, "speech"))
    at = open_app("speech_to_text", wallet)
    at.file_uploader(key="stt_upload").set_value(("hello.wav", WAV.read_bytes(), "audio/wav")).run()
    at.button(key="stt_run").click().run()
    assert any("hello.wav" in t.replace("\\", "") for t in texts(at.subheader))  # shown inert: "hello\\.wav"
    assert not any("earlier file" in t for t in texts(at.info))

    at.file_uploader(key="stt_upload").set_value(("beep.wav", _tone_wav(), "audio/wav")).run()
    assert any("hello.wav" in t.replace("\\", "") and "earlier file" in t for t in texts(at.info))


def _tone_wav() -> bytes:
    import math

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 8))) for i in range(8000)))
    return buf.getvalue()


# --- cost text, gallery, local-engine captions --------------------------------------------------------

def test_text_to_image_estimate_in_og_text(open_app, app_env, wallet):
    wallet.fund(provider(app_env, "image"))
    at = open_app("text_to_image", wallet)
    at.number_input(key="img_count").set_value(2).run()
    estimate = [t for t in texts(at.caption) if t.startswith("Estimated cost")]
    assert estimate and "0.02 OG" in estimate[0] and "0.0200" not in estimate[0]


def test_gallery_keeps_the_newest_24_with_downloads(open_app, app_env, wallet):
    wallet.fund(provider(app_env, "image"), each="5")
    at = open_app("text_to_image", wallet)
    at.selectbox(key="img_size").set_value("256x256")
    at.number_input(key="img_count").set_value(4)
    for i in range(7):
        at.text_area(key="img_prompt").set_value(f"{i + 1} red squares")
        at.button(key="img_run").click().run()
        assert not at.exception
    gallery = at.session_state["img_gallery"]
    assert len(gallery) == 24
    assert gallery[-1]["prompt"] == "7 red squares" and gallery[0]["prompt"] == "2 red squares"
    assert any("newest 24" in e.label for e in at.expander)
    downloads = [b for b in at.get("download_button") if str(b.key).startswith("img_gallery_dl_")]
    assert len(downloads) == 24


def test_image_edit_shows_the_picked_gallery_image_next_to_a_result(open_app, app_env, wallet):
    wallet.fund(provider(app_env, "image"), provider(app_env, "edit"))
    at = open_app("text_to_image", wallet)
    at.selectbox(key="img_size").set_value("256x256")
    for prompt in ("a yellow star", "a green tree"):
        at.text_area(key="img_prompt").set_value(prompt)
        at.button(key="img_run").click().run()
    at.switch_page("app_pages/image_edit.py").run()
    at.file_uploader(key="edit_upload").set_value(("red.png", _png(), "image/png")).run()
    at.text_input(key="edit_prompt").set_value("invert")
    at.button(key="edit_run").click().run()
    assert "edit_last" in at.session_state

    at.radio(key="edit_source").set_value("From the gallery").run()
    star = next(item for item in at.session_state["img_gallery"] if item["prompt"] == "a yellow star")
    at.selectbox(key="edit_gallery_pick").set_value(star["id"]).run()
    assert not at.exception
    captions = [c for im in at.get("image") for c in im.captions]
    assert any("a yellow star" in c for c in captions), captions
    assert any(c == "After" for c in captions)  # the earlier result is still there
    assert at.get("download_button") and any(b.key == "edit_pick_dl" for b in at.get("download_button"))


def test_local_engine_captions(open_app, app_env, wallet):
    expected = {"text_to_image": "procedural", "image_edit": "understands only",
                "speech_to_text": "PocketSphinx"}
    for page, words in expected.items():
        at = open_app(page, wallet)
        assert any(words in t and "local network" in t for t in texts(at.caption)), (page, texts(at.caption))


def test_switching_wallet_mid_request_lets_the_paid_request_finish(open_app, app_env, wallet):
    """A request already sent (and paid) keeps its client: the switch closes the old client only after
    the request ended, and the result still arrives."""
    wallet.fund(provider(app_env, "image"))
    at = open_app("text_to_image", wallet)
    at.text_area(key="img_prompt").set_value("a yellow star")
    at.selectbox(key="img_size").set_value("256x256")
    old = at.session_state["ui_client"][1]
    closed_while_running: list[bool] = []
    real_close = old.close
    old.close = lambda: (closed_while_running.append(not job.done.is_set()), real_close())
    calls, gate = _gate(old, "generate_images")
    try:
        with pytest.raises(RuntimeError, match="timed out"):
            at.button(key="img_run").click().run(timeout=5)
        job = at.session_state["img_job"]
        with pytest.raises(RuntimeError, match="timed out"):  # switch while it runs (the page then waits)
            at.sidebar.selectbox(key="ui_demo_address").set_value("none").run(timeout=5)
        assert at.session_state["ui_client"][1] is not old
        assert not job.done.is_set() and not closed_while_running  # not closed under the running request
    finally:
        gate.set()
    assert job.done.wait(60) and job.error is None and len(job.result.images) == 1
    deadline = time.monotonic() + 10
    while not closed_while_running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert closed_while_running == [False]  # closed once, after the request ended
