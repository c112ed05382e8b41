"""Tiered pricing and cache-token billing: parsing, tier choice, exact costs, display. Pure (no network).

A provider publishes both in its on-chain additionalInfo (`tieredPricing`, `cacheTokenBilling`, camelCase)
and in `/v1/models` `pricing` (`tiered_pricing`, `cache_token_billing`, snake_case); additionalInfo wins
(docs/protocol.md, "tiered pricing"). Multipliers are kept as exact fractions — the newer SDK folds the
denominators in, older ones drop them (a 5/2 tier read as 5×). Costs are integer neuron computed the way
the provider's broker bills them: each price or fee is floored over the whole product, never rounded up.

Nothing here raises on provider data: a shape that breaks the broker's own validation rules is ignored
and described in `Pricing.notes` (plain sentences), so one odd provider never breaks a listing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeGuard

from og_core.amounts import WEI_PER_OG

TOKENS_PER_PRICE_UNIT = 1_000_000  # prices are shown in OG per 1M tokens
MAX_DENOMINATOR = 1_000_000
MAX_MULTIPLIER = 1000


# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class PriceTier:
    """One tier: prompts of up to `max_input_tokens` (inclusive; 0 = unbounded) pay these multiples
    of the base price, for the whole prompt and the whole completion (not graduated)."""

    max_input_tokens: int
    input_multiplier: Fraction = Fraction(1)
    output_multiplier: Fraction = Fraction(1)

    @property
    def bounded(self) -> bool:
        return self.max_input_tokens > 0


@dataclass(frozen=True)
class CacheBilling:
    """Cache-read tokens cost input/divisor; cache-write tokens cost input × the write fraction
    (5-minute and 1-hour TTL). A write fraction of None means no premium: written tokens pay 1×."""

    divisor: int
    write_multiplier: Fraction | None = None
    write_1h_multiplier: Fraction | None = None  # effective: the 5-minute fraction when not given


@dataclass(frozen=True)
class Pricing:
    """How one service (or one model of a multi-model service) is billed, in neuron per token."""

    input_price_wei: int  # base (lowest-tier) price per prompt token
    output_price_wei: int
    tiers: tuple[PriceTier, ...] = ()
    cache: CacheBilling | None = None
    tiers_source: str = ""  # "additionalInfo" | "/v1/models" | ""
    cache_source: str = ""
    notes: tuple[str, ...] = ()  # why something published was ignored, in plain sentences

    @property
    def tiered(self) -> bool:
        return len(self.tiers) > 1 or any(
            t.input_multiplier != 1 or t.output_multiplier != 1 for t in self.tiers)

    def tier_index(self, prompt_tokens: int) -> int | None:
        """Index of the tier that bills a prompt of `prompt_tokens` (None without tiers)."""
        return select_tier(self.tiers, prompt_tokens)

    def tier_label(self, index: int | None) -> str:
        return tier_labels(self.tiers)[index] if index is not None else ""

    def prices_at(self, index: int | None) -> tuple[int, int]:
        """(input, output) neuron per token billed in tier `index` (the base prices for None)."""
        if index is None:
            return self.input_price_wei, self.output_price_wei
        tier = self.tiers[index]
        return apply_multiplier(self.input_price_wei, tier.input_multiplier), apply_multiplier(
            self.output_price_wei, tier.output_multiplier)


# --------------------------------------------------------------------------- parsing helpers


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _show(value: Any) -> str:
    import json

    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


class _Bad(ValueError):
    """A published shape that breaks a rule; its text is the note's reason."""


def _fraction(num: Any, den: Any, what: str) -> Fraction:
    """The broker's multiplier rule: numerator an integer ≥ 1; denominator absent/0 = 1, else in
    [1, 1,000,000]; the fraction between 1× (a tier only surcharges) and 1000×."""
    if not _is_int(num) or num < 1:
        raise _Bad(f"its {what} ({_show(num)}) is not a whole number of at least 1")
    if den is None or den == 0:
        den = 1
    if not _is_int(den) or not 1 <= den <= MAX_DENOMINATOR:
        raise _Bad(f"its {what} denominator ({_show(den)}) is not a whole number from 1 to 1,000,000")
    value = Fraction(num, den)
    if value < 1:
        raise _Bad(f"its {what} {num}/{den} is below 1× (a tier may only raise the price)")
    if value > MAX_MULTIPLIER:
        raise _Bad(f"its {what} {num}/{den} is above {MAX_MULTIPLIER}×")
    return value


_TIER_KEYS = {
    "camel": ("maxInputTokens", "inputMultiplier", "inputMultiplierDenominator", "outputMultiplier",
              "outputMultiplierDenominator"),
    "snake": ("max_input_tokens", "input_multiplier", "input_multiplier_denominator", "output_multiplier",
              "output_multiplier_denominator"),
}


def _parse_tier_list(items: Any, style: str) -> tuple[PriceTier, ...]:
    if not isinstance(items, list):
        raise _Bad(f"its tier list is {_show(items)}, not a list")
    if not items:
        raise _Bad("its tier list is empty")
    k_max, k_in, k_in_den, k_out, k_out_den = _TIER_KEYS[style]
    tiers: list[PriceTier] = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise _Bad(f"tier {n} is {_show(item)}, not an object")
        bound = item.get(k_max)
        if not _is_int(bound) or bound < 0:
            raise _Bad(f"tier {n}'s {k_max} ({_show(bound)}) is not a whole number of at least 0")
        try:
            tin = _fraction(item.get(k_in), item.get(k_in_den), "input multiplier")
            tout = _fraction(item.get(k_out), item.get(k_out_den), "output multiplier")
        except _Bad as exc:
            raise _Bad(f"tier {n}: {exc}") from None
        if tiers and not tiers[-1].bounded:
            raise _Bad(f"tier {n - 1} is unbounded ({k_max} 0) but is not the last tier")
        if tiers and bound and bound <= tiers[-1].max_input_tokens:
            raise _Bad(f"tier {n}'s bound ({bound:,}) does not rise above tier {n - 1}'s "
                       f"({tiers[-1].max_input_tokens:,})")
        tiers.append(PriceTier(bound, tin, tout))
    return tuple(tiers)


def parse_tiers(info: Mapping[str, Any] | None) -> tuple[tuple[PriceTier, ...] | None, str | None]:
    """additionalInfo `tieredPricing` → (tiers, None), (None, None) when absent, (None, note) when malformed."""
    if not isinstance(info, Mapping) or info.get("tieredPricing") is None:
        return None, None
    block = info["tieredPricing"]
    try:
        if not isinstance(block, dict):
            raise _Bad(f"it is {_show(block)}, not an object with a tier list")
        return _parse_tier_list(block.get("tiers"), "camel"), None
    except _Bad as exc:
        return None, f"The tiered pricing in the service's additionalInfo was ignored: {exc}."


def parse_model_tiers(pricing: Mapping[str, Any] | None) -> tuple[tuple[PriceTier, ...] | None, str | None]:
    """/v1/models `pricing.tiered_pricing` → (tiers, None), (None, None) when absent, (None, note)."""
    if not isinstance(pricing, Mapping) or pricing.get("tiered_pricing") is None:
        return None, None
    try:
        return _parse_tier_list(pricing["tiered_pricing"], "snake"), None
    except _Bad as exc:
        return None, f"The tiered pricing in the provider's model list (/v1/models) was ignored: {exc}."


_CACHE_KEYS = {
    "camel": ("divisor", "writeMultiplierNumerator", "writeMultiplierDenominator", "write1hMultiplierNumerator",
              "write1hMultiplierDenominator"),
    "snake": ("divisor", "write_multiplier_numerator", "write_multiplier_denominator",
              "write_1h_multiplier_numerator", "write_1h_multiplier_denominator"),
}


def _write_fraction(num: Any, den: Any, what: str) -> Fraction | None:
    """A write premium is unset (both parts absent or 0) or both parts ≥ 1 with num ≥ den."""
    if all(part is None or (_is_int(part) and part == 0) for part in (num, den)):
        return None
    if not _is_int(num) or not _is_int(den) or num < 1 or den < 1:
        raise _Bad(f"its {what} ({_show(num)}/{_show(den)}) is not two whole numbers of at least 1")
    if num < den:
        raise _Bad(f"its {what} {num}/{den} is below 1× (writing to the cache never costs less)")
    return Fraction(num, den)


def _parse_cache_block(block: Any, style: str) -> CacheBilling:
    if not isinstance(block, dict):
        raise _Bad(f"it is {_show(block)}, not an object")
    k_div, k_w, k_wd, k_w1, k_w1d = _CACHE_KEYS[style]
    divisor = block.get(k_div)
    if not _is_int(divisor) or divisor < 1:
        raise _Bad(f"its divisor ({_show(divisor)}) is not a whole number of at least 1")
    write = _write_fraction(block.get(k_w), block.get(k_wd), "write multiplier")
    write_1h = _write_fraction(block.get(k_w1), block.get(k_w1d), "1-hour write multiplier")
    if write_1h is not None and write is None:
        raise _Bad("it has a 1-hour write multiplier but no 5-minute one")
    if write_1h is not None and write is not None and write_1h < write:
        raise _Bad(f"its 1-hour write multiplier ({write_1h}) is cheaper than the 5-minute one ({write})")
    return CacheBilling(divisor, write, write_1h if write_1h is not None else write)


def parse_cache(info: Mapping[str, Any] | None) -> tuple[CacheBilling | None, str | None]:
    """additionalInfo `cacheTokenBilling` → (billing, None), (None, None) when absent, (None, note)."""
    if not isinstance(info, Mapping) or info.get("cacheTokenBilling") is None:
        return None, None
    try:
        return _parse_cache_block(info["cacheTokenBilling"], "camel"), None
    except _Bad as exc:
        return None, f"The cache-token billing in the service's additionalInfo was ignored: {exc}."


def parse_model_cache(pricing: Mapping[str, Any] | None) -> tuple[CacheBilling | None, str | None]:
    """/v1/models `pricing.cache_token_billing` → (billing, None), (None, None) when absent, (None, note)."""
    if not isinstance(pricing, Mapping) or pricing.get("cache_token_billing") is None:
        return None, None
    try:
        return _parse_cache_block(pricing["cache_token_billing"], "snake"), None
    except _Bad as exc:
        return None, f"The cache-token billing in the provider's model list (/v1/models) was ignored: {exc}."


def parse_wei(value: Any) -> int | None:
    """A neuron amount as /v1/models writes it (a decimal string; a JSON integer is taken too), else None."""
    if _is_int(value):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 78:
        return int(value.strip())
    return None


def pricing_for(input_price_wei: int, output_price_wei: int, additional_info: Mapping[str, Any] | None = None,
                model_pricing: Mapping[str, Any] | None = None) -> Pricing:
    """One service's pricing from its on-chain prices, additionalInfo and (optionally) its /v1/models
    object's `pricing`. Tiers and cache billing each come from additionalInfo first, then /v1/models.

    A multi-model service (additionalInfo `MultiModel` true) is billed at the model's own prices from
    /v1/models; its on-chain prices are only a ceiling, so a model priced above them gets a note."""
    notes: list[str] = []
    base_in, base_out = input_price_wei, output_price_wei
    multi = isinstance(additional_info, Mapping) and additional_info.get("MultiModel") is True
    if multi:
        got_in = parse_wei(model_pricing.get("prompt")) if isinstance(model_pricing, Mapping) else None
        got_out = parse_wei(model_pricing.get("completion")) if isinstance(model_pricing, Mapping) else None
        if got_in is None or got_out is None:
            notes.append("This multi-model service lists no usable per-model price in /v1/models; "
                         "its on-chain price (the most any of its models costs) is shown instead.")
        else:
            base_in, base_out = got_in, got_out
            if got_in > input_price_wei or got_out > output_price_wei:
                notes.append("The model's price in /v1/models is above the service's on-chain price, "
                             "which should be a ceiling for every model it offers.")

    tiers: tuple[PriceTier, ...] = ()
    tiers_source = ""
    found, note = parse_tiers(additional_info)
    notes += [note] if note else []
    if found is not None:
        tiers, tiers_source = found, "additionalInfo"
    else:
        found, note = parse_model_tiers(model_pricing)
        notes += [note] if note else []
        if found is not None:
            tiers, tiers_source = found, "/v1/models"

    cache: CacheBilling | None = None
    cache_source = ""
    got_cache, note = parse_cache(additional_info)
    notes += [note] if note else []
    if got_cache is not None:
        cache, cache_source = got_cache, "additionalInfo"
    else:
        got_cache, note = parse_model_cache(model_pricing)
        notes += [note] if note else []
        if got_cache is not None:
            cache, cache_source = got_cache, "/v1/models"
    return Pricing(base_in, base_out, tiers, cache, tiers_source, cache_source, tuple(notes))


# --------------------------------------------------------------------------- billing


def select_tier(tiers: Sequence[PriceTier], prompt_tokens: int) -> int | None:
    """The first tier that is unbounded or whose bound is ≥ the prompt (inclusive); the last tier when
    the prompt is above every bound; None without tiers. Keyed on the total prompt, cached tokens included."""
    for index, tier in enumerate(tiers):
        if not tier.bounded or prompt_tokens <= tier.max_input_tokens:
            return index
    return len(tiers) - 1 if tiers else None


def apply_multiplier(price_wei: int, multiplier: Fraction) -> int:
    """floor(price × num / den), in integers: 3 neuron × 5/2 → 7."""
    return price_wei * multiplier.numerator // multiplier.denominator


def _count(value: Any) -> int:
    return value if _is_int(value) and value > 0 else 0


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

    @property
    def input_fee_wei(self) -> int:
        return self.full_fee_wei + self.cached_fee_wei + self.write_fee_wei + self.write_1h_fee_wei

    @property
    def total_wei(self) -> int:
        return self.input_fee_wei + self.output_fee_wei

    @property
    def total_og(self) -> Decimal:
        return Decimal(self.total_wei) / WEI_PER_OG

    def describe(self) -> str:
        """One line for under an answer: "0.0037 OG — tier 32k–128k tokens; 40,000 cached tokens"."""
        parts = [f"{format_og_exact(self.total_wei)} OG"]
        extras = []
        if self.tier_label:
            extras.append(f"tier {self.tier_label}")
        if self.cached_tokens:
            extras.append(f"{self.cached_tokens:,} cached tokens")
        if self.cache_write_tokens or self.cache_write_1h_tokens:
            extras.append(f"{self.cache_write_tokens + self.cache_write_1h_tokens:,} tokens written to the cache")
        return parts[0] + (" — " + "; ".join(extras) if extras else "")


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
                    write_1h, full, p_in * full, cached_fee, write_fee, write_1h_fee, p_out * counts.completion_tokens)


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

    @property
    def max_total_wei(self) -> int:
        return self.input_fee_wei + self.max_output_fee_wei

    def describe(self) -> str:
        """"at most 0.0052 OG (about 1,000 prompt tokens + up to 500 answer tokens; tier ≤32k tokens)"."""
        tier = f"; tier {self.tier_label}" if self.tier_label else ""
        return (f"at most {format_og_exact(self.max_total_wei)} OG (about {self.prompt_tokens:,} prompt tokens + "
                f"up to {self.max_completion_tokens:,} answer tokens{tier})")


def _times(fraction: Fraction) -> str:
    return f"{format_fraction(fraction)}×"


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
                        p_out * max_completion_tokens, dearer, warning)


# --------------------------------------------------------------------------- display


def format_tokens(n: int) -> str:
    """32000 → "32k", 1000000 → "1M", 32768 → "32,768"."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000:,}k"
    return f"{n:,}"


def tier_labels(tiers: Sequence[PriceTier]) -> list[str]:
    """"≤32k tokens", "32k–128k tokens", ">128k tokens". The last tier takes every longer prompt,
    so it reads ">prev" even when it has a bound; a lone tier reads "all prompts"."""
    labels: list[str] = []
    previous = 0
    for index, tier in enumerate(tiers):
        last = index == len(tiers) - 1
        if last and index == 0:
            labels.append("all prompts")
        elif index == 0:
            labels.append(f"≤{format_tokens(tier.max_input_tokens)} tokens")
        elif last:
            labels.append(f">{format_tokens(previous)} tokens")
        else:
            labels.append(f"{format_tokens(previous)}–{format_tokens(tier.max_input_tokens)} tokens")
        previous = tier.max_input_tokens
    return labels


def format_fraction(value: Fraction | int, max_places: int = 24) -> str:
    """An exact decimal for a fraction that has one within `max_places` ("2.5", "0.0000002"); otherwise
    rounded down to that many places with a leading "≈". Never through a float."""
    value = Fraction(value)
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole, rest = divmod(value.numerator, value.denominator)
    digits = []
    for _ in range(max_places):
        if not rest:
            break
        rest *= 10
        digit, rest = divmod(rest, value.denominator)
        digits.append(str(digit))
    fraction_digits = "".join(digits).rstrip("0")
    text = str(whole) + (f".{fraction_digits}" if fraction_digits else "")
    return ("≈" if rest else "") + sign + text


def format_og_exact(wei: int | Fraction) -> str:
    """Neuron → OG as an exact decimal string: 3_700_000_000_000_000 → "0.0037"."""
    return format_fraction(Fraction(wei) / WEI_PER_OG)


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
