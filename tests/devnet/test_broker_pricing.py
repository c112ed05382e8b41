"""The broker's tier and cache billing, to the neuron: the worked examples of docs/protocol.md (from 0G's
broker sources), the publishing formats, the config rules, and the prompt cache that feeds the counts."""

from __future__ import annotations

import json

import pytest

from og_devnet.broker.billing import ChatUsage, chat_fee, input_fee
from og_devnet.broker.pricing import (
    CacheBilling,
    Multiplier,
    Tier,
    cache_additional_info,
    cache_model_info,
    check_tiers,
    matched_tier,
    tiers_additional_info,
    tiers_model_info,
)
from og_devnet.broker.prompt_cache import PromptCache
from og_devnet.providers import CATALOGUE, additional_info

IN, OUT = 100_000_000_000, 400_000_000_000  # 1e-7 and 4e-7 0G per token
TIERS = (Tier(32000), Tier(128000, Multiplier(2), Multiplier(3)), Tier(0, Multiplier(5, 2), Multiplier(4)))
CACHE = CacheBilling(10, Multiplier(5, 4))


@pytest.mark.parametrize(("prompt", "tier", "in_fee", "out_fee", "total"), [
    (32_000, "tier:<=32000", 3_200_000_000_000_000, 400_000_000_000_000, 3_600_000_000_000_000),
    (32_001, "tier:<=128000", 6_400_200_000_000_000, 1_200_000_000_000_000, 7_600_200_000_000_000),
    (200_000, "tier:unbounded", 50_000_000_000_000_000, 1_600_000_000_000_000, 51_600_000_000_000_000),
])
def test_the_tiered_pricing_example(prompt: int, tier: str, in_fee: int, out_fee: int, total: int) -> None:
    fee = chat_fee(ChatUsage(prompt, 1000), IN, OUT, TIERS)
    assert (fee.tier_label, fee.input_fee, fee.output_fee, fee.total) == (tier, in_fee, out_fee, total)


def test_a_fractional_multiplier_is_floored_and_past_every_bound_the_last_tier_bills() -> None:
    assert Multiplier(5, 2).apply(3) == 7
    bounded = (Tier(10), Tier(20, Multiplier(2)))
    assert matched_tier(bounded, 21) == bounded[1] and matched_tier((), 5) is None


def test_the_cache_billing_example() -> None:
    usage = ChatUsage(50_000, 500, cached_tokens=40_000, cache_write_tokens=6_000)
    fee = chat_fee(usage, IN, OUT, TIERS, CACHE)
    assert fee.tier_label == "tier:<=128000"
    assert input_fee(200_000_000_000, usage, CACHE) == 800_000_000_000_000 + 1_500_000_000_000_000 + 800_000_000_000_000
    assert (fee.input_fee, fee.output_fee, fee.total) == (3_100_000_000_000_000, 600_000_000_000_000,
                                                          3_700_000_000_000_000)
    assert chat_fee(usage, IN, OUT, TIERS).total == 10_600_000_000_000_000  # without cache billing


def test_cache_counts_are_capped_and_a_write_needs_a_premium() -> None:
    over = ChatUsage(100, 0, cached_tokens=500, cache_write_tokens=50)
    assert input_fee(10, over, CACHE) == 10 * 100 // 10  # cached capped at the prompt; nothing left to write
    plain = ChatUsage(100, 0, cached_tokens=20, cache_write_tokens=80)
    assert input_fee(10, plain, CacheBilling(4)) == 20 * 10 // 4 + 80 * 10  # no premium: writes pay 1x
    assert input_fee(3, ChatUsage(7, 0, cached_tokens=7), CACHE) == 2  # floor(3 * 7 / 10) over the product


def test_publishing_formats_match_the_broker() -> None:
    assert json.dumps({"tieredPricing": tiers_additional_info(TIERS)}, separators=(",", ":")) == (
        '{"tieredPricing":{"tiers":[{"inputMultiplier":1,"maxInputTokens":32000,"outputMultiplier":1},'
        '{"inputMultiplier":2,"maxInputTokens":128000,"outputMultiplier":3},{"inputMultiplier":5,'
        '"inputMultiplierDenominator":2,"maxInputTokens":0,"outputMultiplier":4}]}}')
    assert tiers_model_info(TIERS)[2] == {"max_input_tokens": 0, "input_multiplier": 5, "output_multiplier": 4,
                                          "input_multiplier_denominator": 2}
    assert json.dumps(cache_additional_info(CACHE), separators=(",", ":")) == (
        '{"divisor":10,"write1hMultiplierDenominator":4,"write1hMultiplierNumerator":5,'
        '"writeMultiplierDenominator":4,"writeMultiplierNumerator":5}')
    assert cache_model_info(CacheBilling(4)) == {"divisor": 4}


@pytest.mark.parametrize("bad", [
    lambda: Multiplier(1, 2), lambda: Multiplier(1001), lambda: Multiplier(0), lambda: Multiplier(3, 0),
    lambda: CacheBilling(0), lambda: CacheBilling(10, None, Multiplier(2)),
    lambda: CacheBilling(10, Multiplier(2), Multiplier(3, 2)),
    lambda: check_tiers((Tier(0), Tier(10))), lambda: check_tiers((Tier(10), Tier(10))),
])
def test_the_broker_refuses_invalid_price_rules(bad) -> None:
    with pytest.raises(ValueError):
        bad()


def test_the_catalogue_publishes_only_whole_multipliers_on_chain() -> None:
    """0G's TS CLI 0.9.0 reads additionalInfo's multipliers as integers: a fractional tier is only in
    /v1/models; the cache provider still publishes its cache billing on chain."""
    specs = {s.name: s for s in CATALOGUE}
    tiered = json.loads(additional_info(specs["chat-tiered"]))
    assert [t["inputMultiplier"] for t in tiered["tieredPricing"]["tiers"]] == [1, 2, 4]
    cache = json.loads(additional_info(specs["chat-cache"]))
    assert "tieredPricing" not in cache and cache["cacheTokenBilling"]["divisor"] == 10
    assert any(t.input.den != 1 for t in specs["chat-cache"].tiers)


def test_the_prompt_cache_reads_a_re_sent_conversation_per_user() -> None:
    now = [0.0]
    cache = PromptCache(ttl_s=300, max_entries=3, clock=lambda: now[0])
    first = [{"role": "user", "content": "hello there"}]
    use = cache.look_up("0xA", first, [5])
    assert (use.cached_tokens, use.write_tokens) == (0, 5)
    cache.store(use)
    longer = [*first, {"role": "assistant", "content": "hi"}, {"role": "user", "content": "and now?"}]
    assert cache.look_up("0xa", longer, [5, 9, 15]).cached_tokens == 5  # the same user, any case
    assert cache.look_up("0xB", longer, [5, 9, 15]).cached_tokens == 0  # never another user's prompts
    now[0] = 301.0
    assert cache.look_up("0xA", longer, [5, 9, 15]).cached_tokens == 0  # expired
    cache.store(cache.look_up("0xA", longer, [5, 9, 15]))
    assert len(cache._seen) == 3  # bounded: the oldest key went
