"""Shared bits of the media pages: validating uploads, running a paid request (verify, keep the result,
offer funding on refusal), and the result's cost line."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from og_core import ImageResult, OgClient, OgError, ServiceInfo, TranscriptResult, VerificationResult
from og_ui import funding
from og_ui.widgets import show_error, usage_caption, verification_badge

R = TypeVar("R", ImageResult, TranscriptResult)

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


def run(client: OgClient, svc: ServiceInfo, *, key: str, spinner: str, call: Callable[[], R],
        **fields: Any) -> R | None:
    """Send one paid request under a spinner, verify it, and keep it (plus `fields`) in
    session_state[f"{key}_last"] for the result block. On refusal: the error in words, and the fund
    box stays offered when it was for lack of funds. Returns the result or None."""
    try:
        with st.spinner(spinner):
            result = call()
    except OgError as exc:
        funding.mark_underfunded(key, svc, exc)
        show_error(exc)
        return None
    verification, verr = verify(client, result)
    st.session_state[f"{key}_last"] = {**fields, "result": result, "verification": verification,
                                       "verify_error": verr}
    return result


def result_footer(last: dict[str, Any], *, tokens: str | None = None) -> None:
    """Usage, cost, latency and model of the kept result (`run`), then its verification badge."""
    result: ImageResult | TranscriptResult = last["result"]
    st.caption(usage_caption(tokens=tokens, cost_wei=result.cost_wei, latency_ms=result.latency_ms)
               + f" · {result.model}")
    verification_badge(last["verification"])
    if last["verify_error"]:
        st.caption(f"Could not verify: {last['verify_error']}")
