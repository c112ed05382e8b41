"""Prices for people: per-tier labels, exact OG per 1M tokens (or per image), price ranges.

Exact (Fraction/Decimal to text), never float; the tiers come from og_core.pricing.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from og_core.amounts import WEI_PER_OG
from og_core.pricing import (
    TOKENS_PER_PRICE_UNIT,
    Pricing,
    format_fraction,
    format_og_exact,
)

# --------------------------------------------------------------------------- display


def og_per_million(price_wei_per_token: int | Fraction) -> str:
    """A per-token neuron price in OG per 1M tokens, exact: 1e11 neuron/token → "0.1"."""
    return format_fraction(Fraction(price_wei_per_token) * TOKENS_PER_PRICE_UNIT / WEI_PER_OG)


@dataclass(frozen=True)
class TierPrice:
    """One row of a price table: OG per `unit` ("1M tokens", or "image"), exact decimal strings."""

    label: str
    input_og: str
    output_og: str
    cache_hit_og: str | None  # input / divisor, when cache billing is on
    unit: str = "1M tokens"


IMAGE_SERVICE_TYPES = ("text-to-image", "image-editing")


def price_table(pricing: Pricing, service_type: str = "chatbot") -> list[TierPrice]:
    """Per-tier prices as billed (the tier's floored per-token price), with the cache-hit price
    (that price / divisor; the broker floors only the whole fee, so it is shown unfloored). An image
    service bills per image, without tiers: one row in OG per image."""
    if service_type in IMAGE_SERVICE_TYPES:
        return [TierPrice("per image", "0", format_og_exact(pricing.output_price_wei), None, unit="image")]
    rows = []
    indexes: list[int | None] = list(range(len(pricing.tiers))) or [None]
    for index in indexes:
        p_in, p_out = pricing.prices_at(index)
        hit = og_per_million(Fraction(p_in, pricing.cache.divisor)) if pricing.cache else None
        rows.append(TierPrice(pricing.tier_label(index) or "all prompts", og_per_million(p_in),
                              og_per_million(p_out), hit))
    return rows


def price_range(pricing: Pricing) -> tuple[int, int, int, int]:
    """(min input, max input, min output, max output) neuron per token over the tiers."""
    prices = [pricing.prices_at(i) for i in (range(len(pricing.tiers)) if pricing.tiers else [None])]
    ins, outs = [p[0] for p in prices], [p[1] for p in prices]
    return min(ins), max(ins), min(outs), max(outs)
