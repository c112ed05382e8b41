"""OgClient's marketplace calls against the real local network: health, model objects, pricing, cost
breakdown, attestation log."""

from __future__ import annotations

import httpx
import pytest

from og_core.networks import resolve_profile
from og_core.status import NO_STATUS_SERVICE, clear_status_cache
from tests.support.devnet import client_for, new_funded_account
from tests.support.fakes import FakeProvider, send_json


def test_the_status_service_is_chosen_by_network():
    assert resolve_profile("mainnet").status_base_url == "https://compute-status.0g.ai"
    assert resolve_profile("testnet").status_base_url == "https://compute-status-testnet.0g.ai"
    assert resolve_profile("testnet", status_url="http://mirror.example/").status_base_url == "http://mirror.example"
    assert resolve_profile("local", rpc_url="http://127.0.0.1:1").status_base_url is None
    assert resolve_profile("local", rpc_url="http://127.0.0.1:1", status_url="http://127.0.0.1:2").status_base_url \
        == "http://127.0.0.1:2"


def test_health_models_pricing_and_attestation_on_the_local_network(devnet):
    provider = devnet.provider("chat-tee")["address"]
    with client_for(devnet) as c:
        svc = c.service(provider)
        clear_status_cache()
        if c.status_url is None:
            assert c.health().error == NO_STATUS_SERVICE
        status = FakeProvider()
        status.routes["GET /health"] = lambda h: send_json(h, 200, {"services": [
            {"provider": provider.lower(), "model": svc.model, "status": "warning", "checks": {"uptime": 75.5}}]})
        status.routes["GET /models"] = lambda h: send_json(h, 200, {"data": []})
        try:
            with client_for(devnet, status_url=status.url) as s:
                report = s.health()
                assert s.status_url == status.url and report.available
                h = report.health_for(provider, svc.model)
                assert (h.status, h.uptime_pct) == ("warning", 75.5)
                market = s.market()
                summary = market.summary(svc.model)
                assert summary is not None and summary.offer(provider).health.status == "warning"
                assert len(market.services) == len(s.services())
                assert sum(m.provider_count for m in market.summaries) >= len(market.services)
        finally:
            status.close()
            clear_status_cache()

        models = c.models(provider)
        assert models.error is None and models.get(svc.model) is not None
        assert c.pricing(provider).input_price_wei == svc.input_price_wei

        log = c.attest(provider)
        quote = httpx.get(svc.url.rstrip("/") + "/v1/quote", timeout=10).content
        assert [r.raw for r in log.downloads][:1] == [quote]  # byte for byte
        assert log.signer_checks and all(check.match for check in log.signer_checks), log.steps
        assert log.steps[0].message.startswith("Step 1")


def test_the_cost_breakdown_is_the_charged_cost(devnet):
    provider = devnet.provider("chat-tee")["address"]
    with client_for(devnet, new_funded_account(devnet)) as c:
        c.execute(c.plan_deposit("10"))
        c.execute(c.plan_fund_provider(provider, "3"))
        messages = [{"role": "user", "content": "Hello there"}]
        estimate = c.estimate_chat(provider, messages, max_tokens=40)
        r = c.chat(provider, messages, max_tokens=40)
        cost = c.chat_cost(r)
        assert cost.total_wei == r.cost_wei > 0
        assert cost.prompt_tokens == r.usage.prompt_tokens and cost.completion_tokens == r.usage.completion_tokens
        assert estimate.max_output_fee_wei == 40 * cost.output_price_wei


@pytest.fixture(autouse=True)
def _no_leftover_cache():
    yield
    clear_status_cache()
