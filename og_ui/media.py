"""Shared bits of the media pages: validating uploads, verifying a result, its cost line."""

from __future__ import annotations

import io

import streamlit as st

from og_core import ImageResult, OgClient, OgError, TranscriptResult, VerificationResult
from og_ui.widgets import usage_caption, verification_badge

AUDIO_TYPES = ["wav", "mp3", "m4a", "ogg", "webm"]
IMAGE_TYPES = ["png", "jpg", "jpeg", "webp"]


def check_image(data: bytes) -> str | None:
    """None when `data` is an image Pillow can read, else a plain sentence saying why not."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        return "The file is empty."
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return "That file is not an image we can read. Upload a PNG, JPEG or WebP picture."
    return None


def check_audio(data: bytes) -> str | None:
    """Cheap sanity check before paying a provider: empty or tiny files are refused here; the provider
    decides about the rest (a corrupt file comes back as its plain error, unbilled)."""
    if not data:
        return "The audio file is empty."
    if len(data) < 64:
        return "That audio file is too short to contain any sound. Upload or record a longer clip."
    return None


def verify(client: OgClient, result: ImageResult | TranscriptResult) -> tuple[VerificationResult | None, str | None]:
    try:
        return client.verify(result), None
    except OgError as exc:
        return None, exc.message


def result_footer(result: ImageResult | TranscriptResult, verification: VerificationResult | None,
                  verify_error: str | None, *, tokens: str | None = None) -> None:
    st.caption(usage_caption(tokens=tokens, cost_wei=result.cost_wei, latency_ms=result.latency_ms)
               + f" · {result.model}")
    verification_badge(verification)
    if verify_error:
        st.caption(f"Could not verify: {verify_error}")
