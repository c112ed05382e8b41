"""Billing by tier and cache: the exact cost of a chat from its usage, and an estimate before sending.

Integer neuron, floored the way the provider's broker bills (docs/protocol.md, "tiered pricing");
the prices and tiers come from og_core.pricing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from og_core.amounts import WEI_PER_OG
from og_core.pricing import (
    Pricing,
    _is_int,
    format_fraction,
    format_og_exact,
    format_tokens,
)

# --------------------------------------------------------------------------- billing


def _count(value: Any) -> int:
    return value if _is_int(value) and value > 0 else 0


def count_tokens(n: int, noun: str) -> str:
    """"1 cached token", "120 cached tokens"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


@dataclass(frozen=True)
class UsageCounts:
    """The token counts a provider reports, the cache ones being parts of `prompt_tokens`."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0  # prompt_tokens_details.cached_tokens (cache reads)
    cache_write_tokens: int = 0  # 5-minute cache writes
    cache_write_1h_tokens: int = 0

    @classmethod
    def from_usage(cls, usage: Mapping[str, Any] | None) -> UsageCounts:
        """From an OpenAI-style `usage` object; anything missing, negative or not an integer counts 0."""
        if not isinstance(usage, Mapping):
            return cls()
        details = usage.get("prompt_tokens_details")
        cached = details.get("cached_tokens") if isinstance(details, Mapping) else None
        return cls(_count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens")), _count(cached),
                   _count(usage.get("cache_write_tokens")), _count(usage.get("cache_write_1h_tokens")))


@dataclass(frozen=True)
class ChatCost:
    """What a chat costs, fee by fee, as the broker bills it (integer neuron)."""

    tier_index: int | None  # None: the service has no tiers
    tier_label: str  # "≤32k tokens", "32k–128k tokens", ">128k tokens", "" without tiers
    input_price_wei: int  # per prompt token in this tier
    output_price_wei: int  # per completion token in this tier
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int  # billed at input / divisor
    cache_write_tokens: int  # billed at input × write fraction (0 when no premium is set)
    cache_write_1h_tokens: int
    full_tokens: int  # prompt tokens at the full input price
    full_fee_wei: int
    cached_fee_wei: int
    write_fee_wei: int
    write_1h_fee_wei: int
    output_fee_wei: int
    pricing: Pricing | None = None  # what it was billed at: multipliers, cache divisor, where they came from

    @property
    def input_fee_wei(self) -> int:
        return self.full_fee_wei + self.cached_fee_wei + self.write_fee_wei + self.write_1h_fee_wei

    @property
    def total_wei(self) -> int:
        return self.input_fee_wei + self.output_fee_wei

    @property
    def total_og(self) -> Decimal:
        return Decimal(self.total_wei) / WEI_PER_OG

    @property
    def tier_text(self) -> str:
        """"tier >1k tokens (2×)", "tier 32k–128k tokens (2× input, 3× output)"; "" without tiers."""
        return tier_text(self.pricing, self.tier_index)

    @property
    def cache_text(self) -> str:
        """"120 cached tokens at the cache price (1/10 of the input price)"; "" without cache hits."""
        parts = []
        if self.cached_tokens:
            divisor = self.pricing.cache.divisor if self.pricing and self.pricing.cache else None
            share = f" (1/{divisor} of the input price)" if divisor else ""
            parts.append(f"{count_tokens(self.cached_tokens, 'cached token')} at the cache price{share}")
        written = self.cache_write_tokens + self.cache_write_1h_tokens
        if written:
            parts.append(f"{count_tokens(written, 'token')} written to the cache")
        return "; ".join(parts)

    def describe(self) -> str:
        """One line for under an answer: "0.0037 OG — tier 32k–128k tokens (2× input, 3× output);
        40,000 cached tokens at the cache price (1/10 of the input price)"."""
        extras = [t for t in (self.tier_text, self.cache_text) if t]
        return f"{format_og_exact(self.total_wei)} OG" + (" — " + "; ".join(extras) if extras else "")


def chat_cost(pricing: Pricing, usage: UsageCounts | Mapping[str, Any] | None) -> ChatCost:
    """The exact fee of one chat from the usage the provider reported (its broker's arithmetic):
    tier by the whole prompt; cached tokens at P/divisor, written ones at P × write fraction, each
    floored over its product; the rest at P; completion at the tier's output price."""
    counts = usage if isinstance(usage, UsageCounts) else UsageCounts.from_usage(usage)
    index = pricing.tier_index(counts.prompt_tokens)
    p_in, p_out = pricing.prices_at(index)
    prompt = counts.prompt_tokens
    cache = pricing.cache
    cached = write = write_1h = 0
    if cache is not None:
        cached = min(counts.cached_tokens, prompt)
        remaining = prompt - cached
        if cache.write_multiplier is not None:
            write = min(counts.cache_write_tokens, remaining)
            remaining -= write
        if cache.write_1h_multiplier is not None:
            write_1h = min(counts.cache_write_1h_tokens, remaining)
    full = prompt - cached - write - write_1h
    cached_fee = p_in * cached // cache.divisor if cache is not None else 0
    write_fee = _premium(p_in * write, cache.write_multiplier if cache else None)
    write_1h_fee = _premium(p_in * write_1h, cache.write_1h_multiplier if cache else None)
    return ChatCost(index, pricing.tier_label(index), p_in, p_out, prompt, counts.completion_tokens, cached, write,
                    write_1h, full, p_in * full, cached_fee, write_fee, write_1h_fee, p_out * counts.completion_tokens,
                    pricing)


def _premium(amount: int, fraction: Fraction | None) -> int:
    return 0 if fraction is None or amount == 0 else amount * fraction.numerator // fraction.denominator


# --------------------------------------------------------------------------- estimate before sending

NEAR_BOUND = Fraction(9, 10)  # within 10% below a bound: a token-count estimate may already be past it


def estimate_prompt_tokens(messages: Sequence[Mapping[str, Any]] | str) -> int:
    """A rough prompt size: about 4 characters a token, plus a few tokens per message for roles.
    Only for the estimate before sending; the provider's count is what is billed."""
    if isinstance(messages, str):
        return math.ceil(len(messages) / 4)
    total = 0
    for message in messages:
        content = message.get("content") if isinstance(message, Mapping) else None
        text = content if isinstance(content, str) else "" if content is None else str(content)
        total += math.ceil(len(text) / 4) + 4
    return total + 2 if total else 0


@dataclass(frozen=True)
class CostEstimate:
    """The most a request can cost before it is sent: the whole prompt at full price (no cache
    discount assumed) plus `max_completion_tokens` at the tier's output price."""

    prompt_tokens: int  # estimated
    max_completion_tokens: int
    tier_index: int | None
    tier_label: str
    input_price_wei: int
    output_price_wei: int
    input_fee_wei: int
    max_output_fee_wei: int
    dearer_tier: bool  # the prompt is billed above the first tier's rates
    warning: str | None  # plain sentence when the prompt is in, or close to, a dearer tier
    pricing: Pricing | None = None  # what it is estimated at

    @property
    def tier_text(self) -> str:
        return tier_text(self.pricing, self.tier_index)

    @property
    def max_total_wei(self) -> int:
        return self.input_fee_wei + self.max_output_fee_wei

    def describe(self) -> str:
        """"at most 0.0052 OG (about 1,000 prompt tokens + up to 500 answer tokens; tier ≤32k tokens (1×))"."""
        tier = f"; {self.tier_text or 'tier ' + self.tier_label}" if self.tier_label else ""
        return (f"at most {format_og_exact(self.max_total_wei)} OG (about {self.prompt_tokens:,} prompt tokens + "
                f"up to {self.max_completion_tokens:,} answer tokens{tier})")


def _times(fraction: Fraction) -> str:
    return f"{format_fraction(fraction)}×"


def tier_text(pricing: Pricing | None, index: int | None) -> str:
    """Tier `index` of `pricing` in words with its multipliers: "tier >1k tokens (2×)",
    "tier 32k–128k tokens (2× input, 3× output)"; "" without tiers."""
    if pricing is None or index is None or not pricing.tiers:
        return ""
    tier = pricing.tiers[index]
    tin, tout = tier.input_multiplier, tier.output_multiplier
    times = _times(tin) if tin == tout else f"{_times(tin)} input, {_times(tout)} output"
    return f"tier {pricing.tier_label(index)} ({times})"


def estimate_cost(pricing: Pricing, prompt_tokens: int, max_completion_tokens: int) -> CostEstimate:
    """Estimate from the prompt's (estimated) size and the completion limit, naming the tier, and
    warning when the prompt falls in — or within 10% of — a dearer tier."""
    prompt_tokens = max(0, int(prompt_tokens))
    max_completion_tokens = max(0, int(max_completion_tokens))
    index = pricing.tier_index(prompt_tokens)
    p_in, p_out = pricing.prices_at(index)
    first = pricing.prices_at(0) if pricing.tiers else (p_in, p_out)
    dearer = (p_in, p_out) != first and (p_in > first[0] or p_out > first[1])
    warning = None
    label = pricing.tier_label(index)
    if dearer and index is not None:
        tier = pricing.tiers[index]
        warning = (f"This prompt (about {prompt_tokens:,} tokens) is billed in the {label} tier: the whole "
                   f"request at {_times(tier.input_multiplier)} the input price and "
                   f"{_times(tier.output_multiplier)} the output price.")
    elif index is not None and index + 1 < len(pricing.tiers):
        bound = pricing.tiers[index].max_input_tokens
        nxt = pricing.tiers[index + 1]
        if bound and prompt_tokens >= bound * NEAR_BOUND and pricing.prices_at(index + 1) != (p_in, p_out):
            warning = (f"This prompt (about {prompt_tokens:,} tokens) is close to the {format_tokens(bound)}-token "
                       f"bound; a longer one is billed, as a whole, at {_times(nxt.input_multiplier)} the input "
                       f"price and {_times(nxt.output_multiplier)} the output price.")
    return CostEstimate(prompt_tokens, max_completion_tokens, index, label, p_in, p_out, p_in * prompt_tokens,
                        p_out * max_completion_tokens, dearer, warning, pricing)
