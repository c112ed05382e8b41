"""The marketplace calls against a rogue provider on a real local chain (malformed tieredPricing and
cacheTokenBilling on-chain, garbage model objects, a garbage quote) and a rogue status service (junk
entries, a huge model list; down; slow): notes and "unknown", never an exception, never a stall.

Its own local network: it registers extra services.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from og_core.status import clear_status_cache
from tests.support.devnet import client_for, new_funded_account
from tests.support.fakes import FakeProvider, Flood, send_json, send_sse
from tests.support.rogue import PRICE, RogueNet, closed_port, register, rogue_network

pytestmark = pytest.mark.devnet  # starts a network of its own

BAD_INFO = json.dumps({"TEEVerifier": "dstack", "tieredPricing": [], "cacheTokenBilling": {"divisor": 0}})
BAD_MODEL = "rogue/bad-pricing"


@pytest.fixture(scope="module")
def net() -> Iterator[tuple[RogueNet, FakeProvider, str]]:
    bad = FakeProvider()
    bad.routes["GET /v1/models"] = lambda h: send_json(h, 200, {"data": [
        "junk", {"id": BAD_MODEL, "context_length": "huge", "pricing": {"tiered_pricing": {}}}, {"no": "id"}]})
    bad.routes["GET /v1/quote"] = lambda h: send_json(h, 200, ["not", "a", "report"])
    for rogue_net in rogue_network():
        address = register(rogue_net.handle, bad.url, model=BAD_MODEL, info=BAD_INFO)
        try:
            yield rogue_net, bad, address
        finally:
            bad.close()


@pytest.fixture
def rogue_status() -> Iterator[FakeProvider]:
    clear_status_cache()
    server = FakeProvider()
    server.routes["GET /health"] = lambda h: send_json(h, 200, {"services": [
        "junk", {"provider": 5}, {"provider": "0x" + "ab" * 20, "model": "m", "status": "exploding",
                                  "checks": {"uptime": -4}, "performance": "fast"}]})
    server.routes["GET /models"] = Flood(20 * 1024 * 1024)
    yield server
    server.close()
    clear_status_cache()


def test_malformed_pricing_models_and_quote_are_notes(net, rogue_status):
    rogue_net, _bad, address = net
    with client_for(rogue_net.handle, status_url=rogue_status.url) as c:
        market = c.market()
        summary = market.summary(BAD_MODEL)
        assert summary is not None
        offer = summary.offer(address)
        assert offer is not None and offer.pricing.tiers == () and offer.pricing.cache is None
        notes = " ".join(offer.pricing.notes)
        assert "tiered pricing in the service's additionalInfo was ignored" in notes
        assert "cache-token billing in the service's additionalInfo was ignored" in notes
        assert offer.health.status == "unknown"
        assert market.status.available and len(market.status.notes) == 3
        assert "unreasonably large" in (market.status.models_error or "")

        models = c.models(address)
        assert [m.id for m in models.models] == [BAD_MODEL]
        assert any("context_length" in n for n in models.notes) and any("tiered pricing" in n for n in models.notes)
        assert c.pricing(address).notes  # the same notes wherever pricing is asked for

        log = c.attest(address)
        assert log.outcome == "failed" and any("not an object" in s.message for s in log.steps if s.kind == "error")
        assert [r.raw for r in log.downloads] == [b'["not", "a", "report"]']


def test_a_down_or_slow_status_service_never_holds_the_market_up(net):
    rogue_net, _bad, _address = net
    clear_status_cache()
    with client_for(rogue_net.handle, status_url=f"http://127.0.0.1:{closed_port()}") as c:
        start = time.monotonic()
        market = c.market()
        assert time.monotonic() - start < 5
        assert not market.status.available and market.summaries
        assert all(o.health.status == "unknown" for s in market.summaries for o in s.offers)
    slow = FakeProvider()
    slow.routes["GET /health"] = lambda h: (time.sleep(3), send_json(h, 200, {"services": []}))
    slow.routes["GET /models"] = lambda h: send_json(h, 200, {"data": []})
    try:
        with client_for(rogue_net.handle, status_url=slow.url) as c:
            start = time.monotonic()
            market = c.market(health_wait_s=0.5)
            assert time.monotonic() - start < 2.5 and market.summaries
            assert "not known yet" in (market.status.error or "")
    finally:
        slow.close()
        clear_status_cache()


MULTI_INFO = json.dumps({"MultiModel": True, "ProviderType": "centralized", "ProviderIdentity": "openai",
                         "TargetSeparated": True})
USAGE = {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9}


def test_a_multi_model_service_is_billed_at_the_models_own_price(net):
    """The on-chain price of a multi-model service is a ceiling (here PRICE per token); the chat is
    billed at the model's /v1/models price, and that is what the result says it cost."""
    rogue_net, _bad, _address = net
    multi = FakeProvider()
    multi.routes["GET /v1/models"] = lambda h: send_json(h, 200, {"data": [
        {"id": "multi/default", "pricing": {"prompt": str(PRICE), "completion": str(PRICE)}},
        {"id": "multi/cheap", "pricing": {"prompt": str(PRICE // 10), "completion": str(PRICE // 5)}}]})

    def chat(h):
        body = json.loads(multi.requests[-1][3])
        if body.get("stream"):
            send_sse(h, [b'data: {"id":"m1","choices":[{"delta":{"content":"hi"}}]}\n\n',
                         b"data: " + json.dumps({"id": "m1", "choices": [], "usage": USAGE}).encode() + b"\n\n",
                         b"data: [DONE]\n\n"])
        else:
            send_json(h, 200, {"id": "m1", "choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}],
                               "usage": USAGE})

    multi.routes["POST /v1/proxy/chat/completions"] = chat
    try:
        address = register(rogue_net.handle, multi.url, model="multi/default", info=MULTI_INFO)
        with client_for(rogue_net.handle, new_funded_account(rogue_net.handle)) as c:
            c.execute(c.plan_deposit("10"))
            c.execute(c.plan_fund_provider(address, "2"))
            cheap = 7 * (PRICE // 10) + 2 * (PRICE // 5)
            r = c.chat(address, [{"role": "user", "content": "hi"}], model="multi/cheap")
            assert r.cost_wei == cheap and c.chat_cost(r).total_wei == cheap
            estimate = c.estimate_chat(address, [{"role": "user", "content": "hi"}], 2, model="multi/cheap")
            assert estimate.output_price_wei == PRICE // 5 and c.pricing(address).input_price_wei == PRICE
            streamed = c.chat_stream(address, [{"role": "user", "content": "hi"}], model="multi/cheap")
            assert "".join(streamed) == "hi" and streamed.result.cost_wei == cheap
            default = c.chat(address, [{"role": "user", "content": "hi"}])
            assert default.cost_wei == 9 * PRICE  # the default model's own price (here the ceiling)
            listed = [p for method, p, *_ in multi.requests if p == "/v1/models"]
            assert len(listed) == 1  # the model list is kept, not fetched for every chat
    finally:
        multi.close()
