"""Tiered pricing and cache-token billing: the worked examples of docs/protocol.md to the neuron, and every
malformed shape a provider could publish (a note, never an exception)."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from og_core.billing import (
    UsageCounts,
    chat_cost,
    estimate_cost,
    estimate_prompt_tokens,
)
from og_core.price_display import (
    og_per_million,
    price_range,
    price_table,
)
from og_core.pricing import (
    CacheBilling,
    PriceTier,
    Pricing,
    apply_multiplier,
    format_fraction,
    format_og_exact,
    format_tokens,
    parse_cache,
    parse_model_cache,
    parse_model_tiers,
    parse_tiers,
    pricing_for,
    select_tier,
    tier_labels,
)

IN, OUT = 100_000_000_000, 400_000_000_000  # 0.1 and 0.4 OG per 1M tokens

# The worked example's publications, byte for byte as the broker writes them.
ONCHAIN_TIERS = json.loads('{"tieredPricing":{"tiers":[{"inputMultiplier":1,"maxInputTokens":32000,'
                           '"outputMultiplier":1},{"inputMultiplier":2,"maxInputTokens":128000,"outputMultiplier":3},'
                           '{"inputMultiplier":5,"inputMultiplierDenominator":2,"maxInputTokens":0,'
                           '"outputMultiplier":4}]}}')
MODEL_TIERS = json.loads('{"tiered_pricing":[{"max_input_tokens":32000,"input_multiplier":1,"output_multiplier":1},'
                         '{"max_input_tokens":128000,"input_multiplier":2,"output_multiplier":3},'
                         '{"max_input_tokens":0,"input_multiplier":5,"output_multiplier":4,'
                         '"input_multiplier_denominator":2}]}')
ONCHAIN_CACHE = json.loads('{"divisor":10,"write1hMultiplierDenominator":4,"write1hMultiplierNumerator":5,'
                           '"writeMultiplierDenominator":4,"writeMultiplierNumerator":5}')
EXPECTED_TIERS = (PriceTier(32000, Fraction(1), Fraction(1)), PriceTier(128000, Fraction(2), Fraction(3)),
                  PriceTier(0, Fraction(5, 2), Fraction(4)))


def example(cache: bool = False) -> Pricing:
    info = dict(ONCHAIN_TIERS, **({"cacheTokenBilling": ONCHAIN_CACHE} if cache else {}))
    return pricing_for(IN, OUT, info)


# --------------------------------------------------------------------------- parsing


def test_both_publications_of_the_worked_example_parse_to_the_same_exact_tiers():
    assert parse_tiers(ONCHAIN_TIERS) == (EXPECTED_TIERS, None)
    assert parse_model_tiers(MODEL_TIERS) == (EXPECTED_TIERS, None)
    assert example().tiers_source == "additionalInfo"
    from_models = pricing_for(IN, OUT, {}, MODEL_TIERS)
    assert from_models.tiers == EXPECTED_TIERS and from_models.tiers_source == "/v1/models"
    assert from_models.notes == ()


def test_additional_info_wins_over_the_model_list():
    other = {"tiered_pricing": [{"max_input_tokens": 0, "input_multiplier": 9, "output_multiplier": 9}],
             "cache_token_billing": {"divisor": 2}}
    p = pricing_for(IN, OUT, dict(ONCHAIN_TIERS, cacheTokenBilling={"divisor": 10}), other)
    assert p.tiers == EXPECTED_TIERS and p.cache == CacheBilling(10)
    assert (p.tiers_source, p.cache_source) == ("additionalInfo", "additionalInfo")


def test_a_malformed_additional_info_falls_back_to_the_model_list_with_a_note():
    p = pricing_for(IN, OUT, {"tieredPricing": []}, MODEL_TIERS)
    assert p.tiers == EXPECTED_TIERS and p.tiers_source == "/v1/models"
    assert len(p.notes) == 1 and "additionalInfo was ignored" in p.notes[0] and "not an object" in p.notes[0]


def test_cache_billing_shapes():
    # the 1-hour fraction is published as the effective one; absent, it is the 5-minute copy
    assert parse_cache({"cacheTokenBilling": ONCHAIN_CACHE}) == (
        CacheBilling(10, Fraction(5, 4), Fraction(5, 4)), None)
    assert parse_cache({"cacheTokenBilling": {"divisor": 4, "writeMultiplierNumerator": 5,
                                              "writeMultiplierDenominator": 4}})[0] == CacheBilling(
        4, Fraction(5, 4), Fraction(5, 4))
    assert parse_cache({"cacheTokenBilling": {"divisor": 4}}) == (CacheBilling(4), None)
    assert parse_model_cache({"cache_token_billing": {"divisor": 10, "write_multiplier_numerator": 5,
                                                      "write_multiplier_denominator": 4,
                                                      "write_1h_multiplier_numerator": 2,
                                                      "write_1h_multiplier_denominator": 1}}) == (
        CacheBilling(10, Fraction(5, 4), Fraction(2)), None)
    assert parse_cache({}) == (None, None) and parse_model_cache(None) == (None, None)


BAD_TIERS = [
    ([], "not an object"),
    ("x", "not an object"),
    ({"tiers": []}, "empty"),
    ({"tiers": {}}, "not a list"),
    ({}, "not a list"),
    ({"tiers": [1]}, "tier 1 is 1, not an object"),
    ({"tiers": [{"inputMultiplier": 1, "outputMultiplier": 1}]}, "maxInputTokens (null)"),
    ({"tiers": [{"maxInputTokens": -1, "inputMultiplier": 1, "outputMultiplier": 1}]}, "maxInputTokens (-1)"),
    ({"tiers": [{"maxInputTokens": "32000", "inputMultiplier": 1, "outputMultiplier": 1}]}, 'maxInputTokens ("32000")'),
    ({"tiers": [{"maxInputTokens": 1.5, "inputMultiplier": 1, "outputMultiplier": 1}]}, "maxInputTokens (1.5)"),
    ({"tiers": [{"maxInputTokens": True, "inputMultiplier": 1, "outputMultiplier": 1}]}, "maxInputTokens (true)"),
    ({"tiers": [{"maxInputTokens": 0, "inputMultiplier": 0, "outputMultiplier": 1}]}, "input multiplier (0)"),
    ({"tiers": [{"maxInputTokens": 0, "inputMultiplier": 1.5, "outputMultiplier": 1}]}, "input multiplier (1.5)"),
    ({"tiers": [{"maxInputTokens": 0, "inputMultiplier": "2", "outputMultiplier": 1}]}, 'input multiplier ("2")'),
    ({"tiers": [{"maxInputTokens": 0, "inputMultiplier": 1}]}, "output multiplier (null)"),
    ({"tiers": [{"maxInputTokens": 0, "inputMultiplier": 1, "outputMultiplier": True}]}, "output multiplier (true)"),
    ({"tiers": [{"maxInputTokens": 0, "inputMultiplier": 1, "inputMultiplierDenominator": 2,
                 "outputMultiplier": 1}]}, "below 1×"),
    ({"tiers": [{"maxInputTokens": 0, "inputMultiplier": 3, "inputMultiplierDenominator": -2,
                 "outputMultiplier": 1}]}, "denominator (-2)"),
    ({"tiers": [{"maxInputTokens": 0, "inputMultiplier": 3, "inputMultiplierDenominator": 1_000_001,
                 "outputMultiplier": 1}]}, "denominator (1000001)"),
    ({"tiers": [{"maxInputTokens": 0, "inputMultiplier": 1001, "outputMultiplier": 1}]}, "above 1000×"),
    ({"tiers": [{"maxInputTokens": 0, "inputMultiplier": 1, "outputMultiplier": 2,
                 "outputMultiplierDenominator": "1"}]}, 'denominator ("1")'),
    ({"tiers": [{"maxInputTokens": 0, "inputMultiplier": 1, "outputMultiplier": 1},
                {"maxInputTokens": 1000, "inputMultiplier": 2, "outputMultiplier": 2}]}, "not the last tier"),
    ({"tiers": [{"maxInputTokens": 5000, "inputMultiplier": 1, "outputMultiplier": 1},
                {"maxInputTokens": 5000, "inputMultiplier": 2, "outputMultiplier": 2}]}, "does not rise"),
    ({"tiers": [{"maxInputTokens": 5000, "inputMultiplier": 1, "outputMultiplier": 1},
                {"maxInputTokens": 4000, "inputMultiplier": 2, "outputMultiplier": 2}]}, "does not rise"),
]


@pytest.mark.parametrize("block,words", BAD_TIERS)
def test_malformed_tiers_are_a_note_never_an_exception(block, words):
    tiers, note = parse_tiers({"tieredPricing": block})
    assert tiers is None and note is not None
    assert words in note, note
    assert note.endswith(".") and note.startswith("The tiered pricing in the service's additionalInfo was ignored")
    p = pricing_for(IN, OUT, {"tieredPricing": block})
    assert p.tiers == () and p.notes == (note,)
    assert chat_cost(p, {"prompt_tokens": 10, "completion_tokens": 1}).total_wei == 10 * IN + OUT  # base price


@pytest.mark.parametrize("items,words", [
    ({}, "not a list"), ([], "empty"), (["x"], "not an object"),
    ([{"maxInputTokens": 0, "inputMultiplier": 1, "outputMultiplier": 1}], "max_input_tokens (null)"),
    ([{"max_input_tokens": 0, "input_multiplier": 3, "output_multiplier": 1, "output_multiplier_denominator": 4}],
     "below 1×"),
])
def test_malformed_model_list_tiers_are_a_note(items, words):
    tiers, note = parse_model_tiers({"tiered_pricing": items})
    assert tiers is None and words in (note or "") and "/v1/models" in (note or "")


@pytest.mark.parametrize("block,words", [
    ([], "not an object"), ("10", "not an object"),
    ({}, "divisor (null)"), ({"divisor": 0}, "divisor (0)"), ({"divisor": -3}, "divisor (-3)"),
    ({"divisor": 2.5}, "divisor (2.5)"), ({"divisor": "10"}, 'divisor ("10")'), ({"divisor": True}, "divisor (true)"),
    ({"divisor": 10, "writeMultiplierNumerator": 5}, "(5/null)"),
    ({"divisor": 10, "writeMultiplierNumerator": 3, "writeMultiplierDenominator": 4}, "below 1×"),
    ({"divisor": 10, "writeMultiplierNumerator": 0, "writeMultiplierDenominator": 4}, "(0/4)"),
    ({"divisor": 10, "write1hMultiplierNumerator": 2, "write1hMultiplierDenominator": 1}, "no 5-minute"),
    ({"divisor": 10, "writeMultiplierNumerator": 2, "writeMultiplierDenominator": 1,
      "write1hMultiplierNumerator": 3, "write1hMultiplierDenominator": 2}, "cheaper than the 5-minute"),
])
def test_malformed_cache_billing_is_a_note(block, words):
    cache, note = parse_cache({"cacheTokenBilling": block})
    assert cache is None and note is not None and words in note, note
    p = pricing_for(IN, OUT, {"cacheTokenBilling": block})
    assert p.cache is None and p.notes == (note,)


def test_additional_info_that_is_not_an_object_is_no_pricing_at_all():
    for info in (None, [], "x", 3):
        p = pricing_for(IN, OUT, info, info)  # type: ignore[arg-type]
        assert p == Pricing(IN, OUT)


# --------------------------------------------------------------------------- tiers and costs


def test_tier_choice_bound_inclusive_first_match_last_when_none():
    assert select_tier(EXPECTED_TIERS, 32000) == 0
    assert select_tier(EXPECTED_TIERS, 32001) == 1
    assert select_tier(EXPECTED_TIERS, 128000) == 1
    assert select_tier(EXPECTED_TIERS, 10**9) == 2
    assert select_tier(EXPECTED_TIERS, 0) == 0
    bounded = (PriceTier(100), PriceTier(200, Fraction(2), Fraction(2)))
    assert select_tier(bounded, 10**6) == 1  # above every bound → the last tier
    assert select_tier((), 5) is None


@pytest.mark.parametrize("prompt,completion,tier,label,eff_in,eff_out,in_fee,out_fee,total", [
    (32_000, 1_000, 0, "≤32k tokens", 10**11, 4 * 10**11, 32 * 10**14, 4 * 10**14, 36 * 10**14),
    (32_001, 1_000, 1, "32k–128k tokens", 2 * 10**11, 12 * 10**11, 64_002 * 10**11, 12 * 10**14, 76_002 * 10**11),
    (200_000, 1_000, 2, ">128k tokens", 25 * 10**10, 16 * 10**11, 5 * 10**16, 16 * 10**14, 516 * 10**14),
])
def test_worked_example_tiers_to_the_neuron(prompt, completion, tier, label, eff_in, eff_out, in_fee, out_fee, total):
    for p in (example(), pricing_for(IN, OUT, {}, MODEL_TIERS)):
        cost = chat_cost(p, {"prompt_tokens": prompt, "completion_tokens": completion})
        assert (cost.tier_index, cost.tier_label) == (tier, label)
        assert (cost.input_price_wei, cost.output_price_wei) == (eff_in, eff_out)
        assert (cost.input_fee_wei, cost.output_fee_wei, cost.total_wei) == (in_fee, out_fee, total)
    if prompt == 32_000:
        assert format_og_exact(total) == "0.0036" and str(cost.total_og) == "0.0036"


def test_rounding_floors_the_multiplied_price():
    assert apply_multiplier(3, Fraction(5, 2)) == 7
    p = Pricing(3, 3, (PriceTier(0, Fraction(5, 2), Fraction(5, 2)),))
    cost = chat_cost(p, {"prompt_tokens": 2, "completion_tokens": 2})
    assert cost.input_price_wei == 7 and cost.total_wei == 28  # 7 per token, not 7.5


def test_worked_example_cache_billing_to_the_neuron():
    usage = {"prompt_tokens": 50_000, "prompt_tokens_details": {"cached_tokens": 40_000},
             "cache_write_tokens": 6_000, "completion_tokens": 500}
    cost = chat_cost(example(cache=True), usage)
    assert (cost.tier_index, cost.input_price_wei, cost.output_price_wei) == (1, 2 * 10**11, 12 * 10**11)
    assert cost.cached_tokens == 40_000 and cost.cached_fee_wei == 8 * 10**14
    assert cost.cache_write_tokens == 6_000 and cost.write_fee_wei == 15 * 10**14
    assert cost.full_tokens == 4_000 and cost.full_fee_wei == 8 * 10**14
    assert cost.input_fee_wei == 31 * 10**14 and cost.output_fee_wei == 6 * 10**14
    assert cost.total_wei == 37 * 10**14 and format_og_exact(cost.total_wei) == "0.0037"
    assert chat_cost(example(cache=False), usage).total_wei == 106 * 10**14
    assert cost.describe() == ("0.0037 OG — tier 32k–128k tokens (2× input, 3× output); 40,000 cached tokens at "
                               "the cache price (1/10 of the input price); 6,000 tokens written to the cache")


def test_cache_fees_are_floored_over_the_product_not_per_token():
    p = Pricing(7, 1, cache=CacheBilling(3, Fraction(4, 3), Fraction(5, 3)))
    cost = chat_cost(p, UsageCounts(prompt_tokens=10, cached_tokens=3, cache_write_tokens=3,
                                    cache_write_1h_tokens=3))
    assert cost.cached_fee_wei == 7  # floor(7·3/3); a per-token floor(7/3)·3 would be 6
    assert cost.write_fee_wei == 28  # floor(7·3·4/3); per token floor(28/3)·3 would be 27
    assert cost.write_1h_fee_wei == 35  # floor(7·3·5/3); per token floor(35/3)·3 would be 33
    assert cost.full_fee_wei == 7 and cost.input_fee_wei == 7 + 7 + 28 + 35


def test_cache_counts_are_clamped_and_carved_in_order():
    p = Pricing(10, 1, cache=CacheBilling(10, Fraction(2), Fraction(3)))
    cost = chat_cost(p, UsageCounts(prompt_tokens=100, cached_tokens=150, cache_write_tokens=5))
    assert (cost.cached_tokens, cost.cache_write_tokens, cost.full_tokens) == (100, 0, 0)
    cost = chat_cost(p, UsageCounts(prompt_tokens=100, cached_tokens=60, cache_write_tokens=30,
                                    cache_write_1h_tokens=30))
    assert (cost.cached_tokens, cost.cache_write_tokens, cost.cache_write_1h_tokens, cost.full_tokens) == (
        60, 30, 10, 0)
    assert cost.input_fee_wei == 60 + 600 + 300
    # no write premium: written tokens stay at the full price
    plain = chat_cost(Pricing(10, 1, cache=CacheBilling(10)), UsageCounts(prompt_tokens=100, cache_write_tokens=30))
    assert (plain.cache_write_tokens, plain.full_tokens, plain.input_fee_wei) == (0, 100, 1000)
    # no cache billing: cached tokens pay the full price
    assert chat_cost(Pricing(10, 1), UsageCounts(prompt_tokens=100, cached_tokens=90)).input_fee_wei == 1000


@pytest.mark.parametrize("usage", [None, [], "x", {"prompt_tokens": "100"}, {"prompt_tokens": -5},
                                   {"prompt_tokens": True}, {"prompt_tokens_details": "x"},
                                   {"prompt_tokens_details": {"cached_tokens": 1.5}}])
def test_odd_usage_counts_zero_never_raises(usage):
    counts = UsageCounts.from_usage(usage)
    assert counts.prompt_tokens == 0 and counts.cached_tokens == 0
    assert chat_cost(example(cache=True), usage).total_wei == 0


def test_a_service_without_tiers_has_no_tier_label():
    cost = chat_cost(Pricing(IN, OUT), {"prompt_tokens": 10, "completion_tokens": 2})
    assert cost.tier_index is None and cost.tier_label == "" and cost.total_wei == 10 * IN + 2 * OUT
    assert cost.describe() == f"{format_og_exact(10 * IN + 2 * OUT)} OG"


# --------------------------------------------------------------------------- estimate


def test_estimate_names_the_tier_and_warns_of_a_dearer_one():
    p = example()
    low = estimate_cost(p, 1000, 500)
    assert low.tier_label == "≤32k tokens" and not low.dearer_tier and low.warning is None
    assert low.max_total_wei == 1000 * IN + 500 * OUT
    near = estimate_cost(p, 30_000, 500)
    assert not near.dearer_tier and near.warning and "close to the 32k-token bound" in near.warning
    assert "2× the input price and 3× the output price" in near.warning
    high = estimate_cost(p, 200_000, 1000)
    assert high.dearer_tier and high.tier_label == ">128k tokens"
    assert high.warning and "2.5× the input price and 4× the output price" in high.warning
    assert high.max_total_wei == 516 * 10**14
    assert estimate_cost(Pricing(IN, OUT), 10**6, 1).warning is None
    assert low.describe() == ("at most 0.0003 OG (about 1,000 prompt tokens + up to 500 answer tokens; "
                              "tier ≤32k tokens (1×))")
    assert estimate_cost(Pricing(IN, OUT), 10, 0).describe() == (
        "at most 0.000001 OG (about 10 prompt tokens + up to 0 answer tokens)")


def test_estimate_prompt_tokens():
    assert estimate_prompt_tokens("") == 0 and estimate_prompt_tokens("abcdefgh") == 2
    messages = [{"role": "system", "content": "x" * 40}, {"role": "user", "content": "y" * 4001}]
    assert estimate_prompt_tokens(messages) == 10 + 4 + 1001 + 4 + 2
    assert estimate_prompt_tokens([{"role": "user"}, "junk"]) == 10  # type: ignore[list-item]


# --------------------------------------------------------------------------- display


def test_tier_labels():
    assert tier_labels(EXPECTED_TIERS) == ["≤32k tokens", "32k–128k tokens", ">128k tokens"]
    assert tier_labels((PriceTier(0),)) == ["all prompts"]
    assert tier_labels((PriceTier(32768), PriceTier(1_000_000), PriceTier(2_000_000))) == [
        "≤32,768 tokens", "32,768–1M tokens", ">1M tokens"]
    assert format_tokens(256_000) == "256k" and format_tokens(999) == "999"


def test_price_table_exact_in_og_per_million_with_cache_hit():
    rows = price_table(example(cache=True))
    assert [(r.label, r.input_og, r.output_og, r.cache_hit_og, r.unit) for r in rows] == [
        ("≤32k tokens", "0.1", "0.4", "0.01", "1M tokens"),
        ("32k–128k tokens", "0.2", "1.2", "0.02", "1M tokens"),
        (">128k tokens", "0.25", "1.6", "0.025", "1M tokens"),
    ]
    assert [(r.label, r.cache_hit_og) for r in price_table(Pricing(IN, OUT))] == [("all prompts", None)]
    # an image service: per image, no tiers (0G's CLI shows none for images either)
    image = price_table(pricing_for(0, 5 * 10**15, ONCHAIN_TIERS), "text-to-image")
    assert [(r.label, r.input_og, r.output_og, r.unit) for r in image] == [("per image", "0", "0.005", "image")]
    assert price_range(example()) == (IN, 25 * 10**10, OUT, 16 * 10**11)


def test_exact_formatting_never_goes_through_a_float():
    assert og_per_million(1) == "0.000000000001"
    assert og_per_million(123_456_789_012_345_678) == "123456.789012345678"
    assert format_og_exact(1) == "0.000000000000000001"
    assert format_og_exact(10**36 + 1) == "1000000000000000000.000000000000000001"
    assert format_fraction(Fraction(1, 3), 4) == "≈0.3333"
    assert format_fraction(Fraction(-5, 2)) == "-2.5" and format_fraction(0) == "0"
    assert og_per_million(Fraction(2 * 10**11, 3)) == "≈0.066666666666666666666666"


def test_invariants_over_many_random_usages():
    """Seeded: the buckets always add up to the prompt, a cache discount never costs more than no cache
    billing, a tier never bills below the base price, and every fee is a whole neuron amount."""
    import random

    rng = random.Random(20261204)
    for _ in range(2000):
        base_in, base_out = rng.randrange(0, 10**13), rng.randrange(0, 10**13)
        den = rng.randrange(1, 7)
        tiers = (PriceTier(rng.randrange(1, 5000)), PriceTier(0, Fraction(den + rng.randrange(0, 9), den),
                                                              Fraction(rng.randrange(1, 4))))
        cache = CacheBilling(rng.randrange(1, 20))
        usage = UsageCounts(prompt_tokens=rng.randrange(0, 10_000), completion_tokens=rng.randrange(0, 2000),
                            cached_tokens=rng.randrange(0, 12_000), cache_write_tokens=rng.randrange(0, 3000))
        cached = chat_cost(Pricing(base_in, base_out, tiers, cache), usage)
        plain = chat_cost(Pricing(base_in, base_out, tiers), usage)
        assert cached.full_tokens + cached.cached_tokens + cached.cache_write_tokens + cached.cache_write_1h_tokens \
            == usage.prompt_tokens
        assert 0 <= cached.total_wei <= plain.total_wei
        assert cached.input_price_wei >= base_in and cached.output_price_wei >= base_out
        assert all(isinstance(v, int) for v in (cached.total_wei, cached.cached_fee_wei, plain.total_wei))
        assert plain.total_wei == plain.input_price_wei * usage.prompt_tokens \
            + plain.output_price_wei * usage.completion_tokens
