"""Acceptance on the local network's market: a chat whose prompt passes a price-tier bound, and a chat
that reads part of its prompt from the provider's cache, cost — as og_core reports them — exactly what
the provider settles on chain. Through og_core, through the unmodified 0g-inference-sdk plus HTTP, and
through the OpenAI client; on our contracts and on 0G's official bytecode.
"""

from __future__ import annotations

import json

import pytest
import requests
from eth_account.signers.local import LocalAccount

from og_core import OgClient, UsageCounts, chat_cost, pricing_for
from og_devnet.launch import DevnetHandle
from tests.support.devnet import client_for, new_funded_account, prov
from tests.support.market import LONG_PROMPT

OG = 10**18


@pytest.fixture(scope="module", params=["ours", pytest.param("official", marks=pytest.mark.official)])
def net(request: pytest.FixtureRequest) -> DevnetHandle:
    return request.getfixturevalue("devnet" if request.param == "ours" else "devnet_official")


def _wallet(net: DevnetHandle, name: str) -> tuple[OgClient, str, LocalAccount]:
    """A fresh wallet with a ledger and 3 OG at provider `name`: its client, the provider, the account."""
    account = new_funded_account(net)
    c = client_for(net, account)
    c.execute(c.plan_deposit("10"))
    address = prov(net, name)
    c.execute(c.plan_fund_provider(address, "3"))
    return c, address, account


def _settled_decrease(net: DevnetHandle, c: OgClient, name: str) -> int:
    """Settle `name`'s fees now; how much the wallet's sub-account with it went down."""
    address = prov(net, name)
    before = c.ledger().provider(address).balance_wei
    settled = requests.post(net.provider(name)["url"] + "/devnet/settle", timeout=60).json()["settled"]
    assert [s for s in settled if s["user"].lower() == c.address.lower()]
    return before - c.ledger().provider(address).balance_wei


def test_a_prompt_past_a_tier_bound_costs_what_og_core_says(net: DevnetHandle) -> None:
    c, address, _ = _wallet(net, "chat-tiered")
    with c:
        r = c.chat(address, [{"role": "user", "content": LONG_PROMPT}], max_tokens=60)
        cost = c.chat_cost(r)
        assert 1000 < r.usage.prompt_tokens <= 4000
        assert cost.tier_label == "1k–4k tokens" and cost.total_wei == r.cost_wei
        base = c.service(address)
        flat = r.usage.prompt_tokens * base.input_price_wei + r.usage.completion_tokens * base.output_price_wei
        assert r.cost_wei > flat  # really billed at the tier's 2x / 3x
        assert cost.input_price_wei == 2 * base.input_price_wei and cost.output_price_wei == 3 * base.output_price_wei
        assert _settled_decrease(net, c, "chat-tiered") == r.cost_wei


def test_the_sdk_over_http_and_the_openai_client_are_billed_what_og_core_computes(net: DevnetHandle) -> None:
    """The unmodified SDK's session headers and plain HTTP, then the OpenAI client with the same token:
    og_core's cost of each usage (from the SDK's own service listing) is what settles."""
    import openai
    from zerog_py_sdk import create_broker

    c, address, account = _wallet(net, "chat-tiered")
    with c:
        sdk = create_broker(account.key.to_0x_hex(), network="hardhat", rpc_url=net.rpc_url)
        listed = next(s for s in sdk.inference.list_service() if s.provider == address)
        pricing = pricing_for(listed.input_price, listed.output_price, json.loads(listed.additional_info))
        assert [t.max_input_tokens for t in pricing.tiers] == [1000, 4000, 0]
        headers = sdk.inference._session_manager.get_request_headers(address)
        url = net.provider("chat-tiered")["url"]
        body = {"model": listed.model, "messages": [{"role": "user", "content": LONG_PROMPT}], "max_tokens": 40}
        r = requests.post(url + "/v1/proxy/chat/completions", json=body, headers=headers, timeout=60)
        assert r.status_code == 200, r.text
        sdk_usage = r.json()["usage"]
        expected = chat_cost(pricing, sdk_usage).total_wei

        client = openai.OpenAI(base_url=url + "/v1/proxy", api_key=headers["Authorization"].removeprefix("Bearer "),
                               max_retries=0)
        answer = client.chat.completions.create(model=listed.model, max_tokens=40, messages=[
            {"role": "user", "content": LONG_PROMPT + " One more line."}])
        assert answer.usage is not None and answer.usage.prompt_tokens > 1000
        expected += chat_cost(pricing, answer.usage.model_dump()).total_wei
        assert _settled_decrease(net, c, "chat-tiered") == expected


def test_a_re_sent_conversation_reads_its_start_from_the_cache_at_the_cache_price(net: DevnetHandle) -> None:
    c, address, _ = _wallet(net, "chat-cache")
    with c:
        first = [{"role": "user", "content": "Explain what a ledger is in 0G Compute, in a few words."}]
        r1 = c.chat(address, first, max_tokens=40)
        assert r1.usage.cached_tokens == 0 and r1.usage.cache_write_tokens > 0  # written at 5/4
        turn = [*first, {"role": "assistant", "content": r1.text}, {"role": "user", "content": "And a sub-account?"}]
        r2 = c.chat(address, turn, max_tokens=40)
        assert 0 < r2.usage.cached_tokens < r2.usage.prompt_tokens
        cost = c.chat_cost(r2)
        assert cost.cached_tokens == r2.usage.cached_tokens
        price = c.service(address).input_price_wei
        assert cost.cached_fee_wei == price * r2.usage.cached_tokens // 10  # a tenth of the input price
        s = c.service(address)
        pricing = pricing_for(s.input_price_wei, s.output_price_wei, s.additional_info)
        u = r2.usage
        counts = UsageCounts(u.prompt_tokens, u.completion_tokens, u.cached_tokens, u.cache_write_tokens)
        assert cost.total_wei == r2.cost_wei == chat_cost(pricing, counts).total_wei
        assert "cached tokens" in cost.describe()
        assert _settled_decrease(net, c, "chat-cache") == r1.cost_wei + r2.cost_wei
