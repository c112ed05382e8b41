"""Text-to-image, image editing and speech-to-text pages: main flows and refused bad input."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from tests.app.conftest import provider, texts

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
