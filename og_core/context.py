"""Wiring of one OgClient: profile → Web3 → SDK broker → og_core services (filled in below)."""

from __future__ import annotations

from typing import Any


def build_context(network: str | None, private_key: Any, **kwargs: Any) -> Any:
    raise NotImplementedError("og_core is being built; the surface in og_core/__init__.py is stable")
