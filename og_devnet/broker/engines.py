"""Access to the offline engines (`og_devnet.engines`), imported lazily.

The engines are written in parallel; until a module lands, a minimal stand-in keeps the broker
testable. The stand-ins are deliberately trivial and clearly not models.
"""

from __future__ import annotations

import importlib
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


class _FallbackEngineError(ValueError):
    pass


def _engine_error() -> type[Exception]:
    try:
        return importlib.import_module("og_devnet.engines").EngineError  # type: ignore[no-any-return]
    except (ImportError, AttributeError):
        try:
            return importlib.import_module("og_devnet.engines.errors").EngineError  # type: ignore[no-any-return]
        except (ImportError, AttributeError):
            return _FallbackEngineError


EngineError: type[Exception] = _engine_error()


class _FallbackChat:
    def __init__(self, model: str, seed: int = 0) -> None:
        self.model = model

    def count_tokens(self, text: str) -> int:
        return max(1, len(text.split())) if text else 0

    def prompt_tokens(self, messages: list[dict]) -> int:
        return sum(self.count_tokens(str(m.get("content", ""))) + 4 for m in messages)

    def stream(self, messages: list[dict], *, max_tokens: int | None = None, **_: Any) -> Iterator[str]:
        words = ["This", " is", " a", " simulated", " local", " answer", "."]
        yield from words[: max_tokens or len(words)]


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def _size(size: str | None) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in (size or "64x64").lower().split("x"))
        return max(1, min(w, 64)), max(1, min(h, 64))
    except ValueError:
        raise EngineError(f"invalid size {size!r}") from None


def _fallback_generate(prompt: str, *, n: int = 1, size: str = "512x512", seed: int | None = None) -> list[bytes]:
    w, h = _size(size)
    return [_png(w, h, ((i * 40) % 256, len(prompt) % 256, 128)) for i in range(n)]


def _fallback_edit(image: bytes, instruction: str, *, size: str | None = None) -> bytes:
    if not image.startswith(b"\x89PNG"):
        raise EngineError("unsupported image: expected PNG")
    return _png(*_size(size), (200, 100, 50))


@dataclass
class _Transcript:
    text: str
    duration_s: float
    tokens: int


def _fallback_transcribe(audio: bytes, *, filename: str | None = None, language: str | None = None) -> _Transcript:
    if not audio.startswith(b"RIFF"):
        raise EngineError("could not decode audio: expected WAV")
    return _Transcript(text="simulated transcript", duration_s=1.0, tokens=2)


def _load(module: str, name: str, fallback: Any) -> Any:
    try:
        return getattr(importlib.import_module(f"og_devnet.engines.{module}"), name)
    except (ImportError, AttributeError):
        return fallback


def chat_engine(model: str) -> Any:
    return _load("chat", "ChatEngine", _FallbackChat)(model)


def generate_images(prompt: str, **kw: Any) -> list[bytes]:
    return _load("image", "generate_images", _fallback_generate)(prompt, **kw)  # type: ignore[no-any-return]


def edit_image(image: bytes, instruction: str, **kw: Any) -> bytes:
    return _load("edit", "edit_image", _fallback_edit)(image, instruction, **kw)  # type: ignore[no-any-return]


def transcribe(audio: bytes, **kw: Any) -> Any:
    return _load("stt", "transcribe", _fallback_transcribe)(audio, **kw)
