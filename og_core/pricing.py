"""Tiered pricing and cache-token billing as providers publish them: parsing, tiers, exact number text.
Pure (no network). Costs are in og_core.billing, price tables in og_core.price_display.

A provider publishes both in its on-chain additionalInfo (`tieredPricing`, `cacheTokenBilling`, camelCase)
and in `/v1/models` `pricing` (`tiered_pricing`, `cache_token_billing`, snake_case); additionalInfo wins
(docs/protocol.md, "tiered pricing"). Multipliers are kept as exact fractions — the newer SDK folds the
denominators in, older ones drop them (a 5/2 tier read as 5×). Costs are integer neuron computed the way
the provider's broker bills them: each price or fee is floored over the whole product, never rounded up.

Nothing here raises on provider data: a shape that breaks the broker's own validation rules is ignored
and described in `Pricing.notes` (plain sentences), so one odd provider never breaks a listing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeGuard, TypeVar

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

    # additionalInfo first, then the model object (docs/protocol.md, "tiered pricing")
    found_tiers, tiers_source = _first_published(
        notes, ("additionalInfo", lambda: parse_tiers(additional_info)),
        ("/v1/models", lambda: parse_model_tiers(model_pricing)))
    tiers: tuple[PriceTier, ...] = found_tiers or ()
    cache, cache_source = _first_published(
        notes, ("additionalInfo", lambda: parse_cache(additional_info)),
        ("/v1/models", lambda: parse_model_cache(model_pricing)))
    return Pricing(base_in, base_out, tiers, cache, tiers_source, cache_source, tuple(notes))


T = TypeVar("T")


def _first_published(notes: list[str], *sources: tuple[str, Callable[[], tuple[T | None, str | None]]]
                     ) -> tuple[T | None, str]:
    """The first source whose parser finds a value, and its name; every parser tried adds its note.
    A later source is not read once an earlier one has a value."""
    for name, parse in sources:
        found, note = parse()
        if note:
            notes.append(note)
        if found is not None:
            return found, name
    return None, ""


# --------------------------------------------------------------------------- tier math and number text


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
