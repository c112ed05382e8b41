"""A broker's price rules beyond the flat on-chain prices: tiers by prompt length and cache-token billing.

As 0G's provider broker has them (docs/protocol.md, "Tiered pricing" and "Cache-token billing"): the
rules are checked when the broker is configured, published in the on-chain additionalInfo (camelCase,
keys sorted as Go's json.Marshal of a map writes them) and in `/v1/models` (snake_case), and applied to
the per-token price in integers: floor(price × num / den).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_DENOMINATOR = 1_000_000
MAX_MULTIPLIER = 1000


@dataclass(frozen=True)
class Multiplier:
    """A fraction ≥ 1× and ≤ 1000× (a tier only surcharges); den 1 is a whole multiple."""

    num: int = 1
    den: int = 1

    def __post_init__(self) -> None:
        if self.num < 1 or not 1 <= self.den <= MAX_DENOMINATOR:
            raise ValueError(f"multiplier {self.num}/{self.den}: numerator ≥ 1, denominator in [1, 1000000]")
        if self.num < self.den or self.num > MAX_MULTIPLIER * self.den:
            raise ValueError(f"multiplier {self.num}/{self.den} must be between 1× and {MAX_MULTIPLIER}×")

    def apply(self, price: int) -> int:
        return price * self.num // self.den


@dataclass(frozen=True)
class Tier:
    """Prompts of up to `max_input_tokens` (inclusive; 0 = unbounded, last) pay these multiples of the
    base prices, for the whole prompt and the whole completion."""

    max_input_tokens: int
    input: Multiplier = Multiplier()
    output: Multiplier = Multiplier()

    @property
    def label(self) -> str:
        """The broker's reconciliation label: `tier:<=N` or `tier:unbounded`."""
        return f"tier:<={self.max_input_tokens}" if self.max_input_tokens else "tier:unbounded"


@dataclass(frozen=True)
class CacheBilling:
    """Cache reads cost P/divisor; 5-minute writes P × write, 1-hour writes P × write_1h (None: no
    premium; an unset 1-hour premium takes the 5-minute one, as the broker publishes it)."""

    divisor: int
    write: Multiplier | None = None
    write_1h: Multiplier | None = None

    def __post_init__(self) -> None:
        if self.divisor < 1:
            raise ValueError("cache divisor must be at least 1")
        if self.write_1h is not None and self.write is None:
            raise ValueError("a 1-hour write premium needs a 5-minute one")
        if self.write_1h is not None and self.write is not None and \
                self.write_1h.num * self.write.den < self.write.num * self.write_1h.den:
            raise ValueError("the 1-hour write premium must not be cheaper than the 5-minute one")

    @property
    def effective_write_1h(self) -> Multiplier | None:
        return self.write_1h if self.write_1h is not None else self.write


def check_tiers(tiers: tuple[Tier, ...]) -> None:
    """The broker's config rules: bounds ≥ 0 and strictly ascending; an unbounded tier only last."""
    for i, tier in enumerate(tiers):
        if tier.max_input_tokens < 0:
            raise ValueError("maxInputTokens must be ≥ 0")
        if i and not tiers[i - 1].max_input_tokens:
            raise ValueError("an unbounded tier (maxInputTokens 0) must be the last")
        if i and tier.max_input_tokens and tier.max_input_tokens <= tiers[i - 1].max_input_tokens:
            raise ValueError("tier bounds must strictly ascend")


def matched_tier(tiers: tuple[Tier, ...], prompt_tokens: int) -> Tier | None:
    """The first tier that is unbounded or holds the whole prompt (bound inclusive); past every bound
    the last one; None without tiers."""
    for tier in tiers:
        if not tier.max_input_tokens or prompt_tokens <= tier.max_input_tokens:
            return tier
    return tiers[-1] if tiers else None


def _fraction_fields(m: Multiplier, num_key: str, den_key: str) -> dict[str, int]:
    return {num_key: m.num, **({den_key: m.den} if m.den != 1 else {})}


def tiers_additional_info(tiers: tuple[Tier, ...]) -> dict[str, Any]:
    """`{"tiers": [...]}` for additionalInfo `tieredPricing` (a denominator only when it is not 1)."""
    return {"tiers": [dict(sorted({
        "maxInputTokens": t.max_input_tokens,
        **_fraction_fields(t.input, "inputMultiplier", "inputMultiplierDenominator"),
        **_fraction_fields(t.output, "outputMultiplier", "outputMultiplierDenominator")}.items()))
        for t in tiers]}


def tiers_model_info(tiers: tuple[Tier, ...]) -> list[dict[str, int]]:
    """`pricing.tiered_pricing` of a /v1/models object."""
    out = []
    for t in tiers:
        item = {"max_input_tokens": t.max_input_tokens, "input_multiplier": t.input.num,
                "output_multiplier": t.output.num}
        if t.input.den != 1:
            item["input_multiplier_denominator"] = t.input.den
        if t.output.den != 1:
            item["output_multiplier_denominator"] = t.output.den
        out.append(item)
    return out


def _cache_fields(cache: CacheBilling, keys: tuple[str, str, str, str]) -> dict[str, int]:
    """divisor, and the write premiums (the 1-hour pair as its effective value) under `keys`."""
    out: dict[str, int] = {"divisor": cache.divisor}
    w1 = cache.effective_write_1h
    if cache.write is not None and w1 is not None:
        out |= dict(zip(keys, (cache.write.num, cache.write.den, w1.num, w1.den), strict=True))
    return out


def cache_additional_info(cache: CacheBilling) -> dict[str, int]:
    """additionalInfo `cacheTokenBilling`, keys sorted as the broker writes them."""
    return dict(sorted(_cache_fields(cache, ("writeMultiplierNumerator", "writeMultiplierDenominator",
                                             "write1hMultiplierNumerator", "write1hMultiplierDenominator")).items()))


def cache_model_info(cache: CacheBilling) -> dict[str, int]:
    """`pricing.cache_token_billing` of a /v1/models object."""
    return _cache_fields(cache, ("write_multiplier_numerator", "write_multiplier_denominator",
                                 "write_1h_multiplier_numerator", "write_1h_multiplier_denominator"))


__all__ = ["CacheBilling", "Multiplier", "Tier", "cache_additional_info", "cache_model_info", "check_tiers",
           "matched_tier", "tiers_additional_info", "tiers_model_info"]
