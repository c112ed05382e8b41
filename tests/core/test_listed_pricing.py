"""The marketplace prices a chat with what the provider's /v1/models adds to its additionalInfo: a tier
or cache billing published only there (0G's CLI 0.9.0 reads only integer multipliers on-chain, so a
fractional tier may live only in /v1/models), additionalInfo first. Real HTTP to a local fake provider."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from og_core.marketplace import Marketplace
from og_core.results import ChatResult, Usage
from og_core.safety import UrlGuard
from tests.support.fakes import FakeProvider, send_json, service

IN, OUT = 10**9, 2 * 10**9  # the fake service's on-chain prices (tests/support/fakes.service)
MODEL = "local/test-model"
LISTED = {"prompt": str(IN), "completion": str(OUT),
          "tiered_pricing": [{"max_input_tokens": 1000, "input_multiplier": 1, "output_multiplier": 1},
                             {"max_input_tokens": 0, "input_multiplier": 3, "output_multiplier": 2,
                              "input_multiplier_denominator": 2}],
          "cache_token_billing": {"divisor": 10}}


class _Discovery:
    def __init__(self, svc):
        self.svc = svc

    def service(self, provider):
        return self.svc


@pytest.fixture
def provider():
    fake = FakeProvider()
    fake.routes["GET /v1/models"] = lambda h: send_json(h, 200, {"data": [{"id": MODEL, "pricing": LISTED}]})
    yield fake
    fake.close()


def _market(svc) -> Marketplace:
    guard = UrlGuard(local=True)
    ctx = SimpleNamespace(discovery=_Discovery(svc), http=guard.client(10.0), url_guard=guard, profile=None)
    return Marketplace(ctx)  # type: ignore[arg-type]


def _result(svc, usage: Usage) -> ChatResult:
    return ChatResult(svc.provider, MODEL, "hi", "id", "id", usage, 0, 1.0, None)


def test_tiers_and_cache_published_only_in_v1_models_are_billed(provider):
    svc = service(provider.url)  # additionalInfo {}: nothing on-chain
    market = _market(svc)
    pricing = market.pricing(svc.provider)
    assert pricing.tiers_source == pricing.cache_source == "/v1/models"
    assert pricing.cache is not None and pricing.cache.divisor == 10
    usage = Usage(prompt_tokens=1200, completion_tokens=10, total_tokens=1210, cached_tokens=200)
    priced = market.priced(_result(svc, usage))
    # tier 2 (1200 > 1000): input 3/2 × 1e9 = 1.5e9, output 2 × 2e9 = 4e9; 200 cached at 1/10
    assert priced.cost_wei == 1000 * 15 * 10**8 + 200 * 15 * 10**8 // 10 + 10 * 4 * 10**9
    assert priced.billing is not None and priced.billing.total_wei == priced.cost_wei
    assert priced.billing.tier_text == "tier >1k tokens (1.5× input, 2× output)"
    assert priced.billing.cache_text == "200 cached tokens at the cache price (1/10 of the input price)"
    estimate = market.estimate_chat(svc.provider, [{"role": "user", "content": "x" * 8000}], 10)
    assert estimate.dearer_tier and estimate.tier_label == ">1k tokens"


def test_additional_info_wins_and_the_list_is_not_read_when_it_has_both(provider):
    info = {"tieredPricing": {"tiers": [{"maxInputTokens": 0, "inputMultiplier": 1, "outputMultiplier": 1}]},
            "cacheTokenBilling": {"divisor": 4}}
    svc = service(provider.url, info=info)
    pricing = _market(svc).pricing(svc.provider)
    assert (pricing.tiers_source, pricing.cache_source, pricing.cache.divisor) == ("additionalInfo",) * 2 + (4,)
    assert provider.requests == []


def test_an_unreadable_model_list_prices_from_the_chain_and_says_so(provider):
    provider.routes["GET /v1/models"] = lambda h: send_json(h, 500, {"error": "down"})
    svc = service(provider.url)
    market = _market(svc)
    pricing = market.pricing(svc.provider)
    assert (pricing.input_price_wei, pricing.tiers) == (IN, ())
    assert any("could not be read" in n and "/v1/models" in n for n in pricing.notes), pricing.notes
    market.pricing(svc.provider)
    assert len(provider.requests) == 1  # the failure is kept too: no second wait on every page run
    usage = Usage(prompt_tokens=5, completion_tokens=1, total_tokens=6)
    assert market.priced(_result(svc, usage)).cost_wei == 5 * IN + OUT


def test_a_list_without_the_model_is_noted(provider):
    provider.routes["GET /v1/models"] = lambda h: send_json(h, 200, {"data": [{"id": "other", "pricing": LISTED}]})
    svc = service(provider.url)
    notes = _market(svc).pricing(svc.provider).notes
    assert any("does not list local/test-model" in n for n in notes), json.dumps(notes)
