"""Loads the offline engine (from the `og_devnet.engines` package) that a broker serves, when the broker is created.

There is deliberately no stand-in: a broker whose engine (or one of the engine's dependencies, such as
PyAV for speech) cannot be imported must fail to start, loudly. A placeholder answer would otherwise
be billed and TEE-signed as if a model had produced it.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# service type -> (module in og_devnet.engines, entry point)
ENTRY_POINTS = {
    "chatbot": ("chat", "ChatEngine"),
    "text-to-image": ("image", "generate_images"),
    "image-editing": ("edit", "edit_image"),
    "speech-to-text": ("stt", "transcribe"),
}
# Other engines a provider may name (ProviderConfig.engine), with the service type they serve.
NAMED = {"llm": ("chatbot", "llm", "LlmEngine")}


def load(service_type: str, engine: str = "") -> Any:
    """The engine entry point for `service_type` (or the named `engine`); ImportError/AttributeError
    if it is not installed."""
    if engine:
        served, module, name = NAMED[engine]
        if served != service_type:
            raise ValueError(f"engine {engine!r} serves {served}, not {service_type}")
    else:
        module, name = ENTRY_POINTS[service_type]
    return getattr(import_module(f"og_devnet.engines.{module}"), name)


def max_images() -> int:
    """How many images one request may ask for: the image engine's own limit, so the broker's 400 and
    the engine's agree."""
    return int(import_module("og_devnet.engines.image").MAX_N)


__all__ = ["ENTRY_POINTS", "NAMED", "load", "max_images"]
