"""The local market's providers as a client meets them: full /v1/models objects (parsed by og_core with
no note), rate-limit headers as 0G's brokers send them, an expired model's 410, a slow provider's first
token and a flaky provider's share of failed requests."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests
from web3 import Web3

from og_core import parse_model_list
from og_core.provider_errors import provider_error
from og_devnet.accounts import DEPLOYER, PROVIDER_WALLETS, USERS, tee_key
from og_devnet.broker import ProviderConfig, start_brokers
from og_devnet.broker.model_card import ModelCard
from og_devnet.launch import DevnetHandle
from tests.support.tokens import make_token

OG = 10**18
ASK = {"messages": [{"role": "user", "content": "what is 2 + 2"}]}


def test_every_provider_lists_a_full_model_object_og_core_reads_without_a_note(devnet: DevnetHandle) -> None:
    w3 = Web3(Web3.HTTPProvider(devnet.rpc_url))
    from og_devnet.contracts.build import load_artifact

    inference = w3.eth.contract(address=devnet.info["addresses"]["inference"],
                                abi=load_artifact("InferenceServing")["abi"])
    for p in devnet.providers:
        r = requests.get(p["url"] + "/v1/models", timeout=10)
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
        (obj,) = r.json()["data"]
        on_chain = inference.functions.getService(p["address"]).call()
        assert (obj["id"], obj["type"], obj["object"], obj["owned_by"]) == (p["model"], p["service_type"], "model",
                                                                           "og-devnet")
        assert obj["created"] == on_chain[5] > 0  # updatedAt
        if p["service_type"] in ("text-to-image", "image-editing"):
            assert obj["pricing"] == {"prompt": "0", "completion": "0", "image": str(on_chain[4])}
        else:
            assert (obj["pricing"]["prompt"], obj["pricing"]["completion"]) == (str(on_chain[3]), str(on_chain[4]))
        assert obj["tee_attested"] is (p["verifiability"] == "TeeML")
        assert ("tee_type" in obj) is (p["verifiability"] == "TeeML")
        assert obj["description"] and obj["provider_name"] and len(obj["provider_country"]) == 2
        assert obj["supported_parameters"] and obj["architecture"]["modality"]
        assert "requests_per_minute" in obj["rate_limits"]
        parsed = parse_model_list(r.json(), input_price_wei=on_chain[3], output_price_wei=on_chain[4],
                                  additional_info=json.loads(on_chain[8]), provider=p["address"])
        assert parsed.error is None and parsed.notes == () and parsed.get(p["model"]) is not None, parsed.notes

    chat_tiered = requests.get(devnet.provider("chat-tiered")["url"] + "/v1/models", timeout=10).json()["data"][0]
    info = json.loads(inference.functions.getService(devnet.provider("chat-tiered")["address"]).call()[8])
    assert [t["max_input_tokens"] for t in chat_tiered["pricing"]["tiered_pricing"]] == \
        [t["maxInputTokens"] for t in info["tieredPricing"]["tiers"]] == [1000, 4000, 0]
    cache = requests.get(devnet.provider("chat-cache")["url"] + "/v1/models", timeout=10).json()["data"][0]
    assert cache["pricing"]["tiered_pricing"][1] == {"max_input_tokens": 0, "input_multiplier": 3,
                                                     "output_multiplier": 3, "input_multiplier_denominator": 2,
                                                     "output_multiplier_denominator": 2}
    assert cache["pricing"]["cache_token_billing"]["divisor"] == 10
    flaky = requests.get(devnet.provider("chat-flaky")["url"] + "/v1/models", timeout=10).json()["data"][0]
    assert flaky["expiration_date"] == "2027-12-31T23:59:59Z"


@pytest.fixture(scope="module")
def local() -> Iterator[dict]:
    """Four chat brokers on an in-process chain: rate-limited, expired, flaky, slow."""
    from zerog_py_sdk import create_broker

    from og_devnet.chain import ChainNode
    from og_devnet.deploy import deploy, register_provider

    node = ChainNode()
    rpc_url = node.start(0)
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    addrs = deploy(w3, DEPLOYER[1], contracts="ours")
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    base = ProviderConfig(name="", provider_key="", tee_key="", service_type="chatbot", model="local/m",
                          input_price=10**9, output_price=10**9, settle_interval=0)
    variants = {"limited": {"rate_limit": 2.0}, "expired": {"card": ModelCard(expiration_date=past)},
                "flaky": {"fail_every": 3}, "slow": {"first_token_delay_s": 0.4}}
    cfgs = [replace(base, name=name, provider_key=PROVIDER_WALLETS[i][1], tee_key=tee_key("mk-" + name), **kw)
            for i, (name, kw) in enumerate(variants.items())]
    group = start_brokers(cfgs, rpc_url, addrs.inference)
    user_key = USERS[7][1]
    sdk = create_broker(user_key, network="hardhat", rpc_url=rpc_url)
    sdk.ledger.add_ledger("10")
    out: dict = {}
    for cfg, url in group:
        register_provider(w3, addrs.inference, cfg.provider_key, DEPLOYER[1], service_type="chatbot", url=url,
                          model=cfg.model, input_price=cfg.input_price, output_price=cfg.output_price,
                          verifiability="TeeML", additional_info="{}", tee_signer=cfg.tee_address)
        sdk.ledger.transfer_fund(cfg.provider_address, "inference", 2 * OG)
        out[cfg.name] = (url, {"Authorization": make_token(user_key, cfg.provider_address)})
    try:
        yield out
    finally:
        group.stop()
        node.stop()


def _chat(target: tuple[str, dict], **extra) -> requests.Response:
    url, auth = target
    return requests.post(url + "/v1/proxy/chat/completions", json={"model": "local/m", **ASK, **extra},
                         headers=auth, timeout=30)


def test_rate_limit_headers_as_0g_brokers_send_them(local: dict) -> None:
    first = _chat(local["limited"])
    assert first.status_code == 200, first.text
    assert first.headers["x-ratelimit-limit-requests"] == "120"  # 2 a second
    assert int(first.headers["x-ratelimit-remaining-requests"]) in (0, 1)
    assert first.headers["x-ratelimit-reset-requests"].endswith("s")
    refused = [r for r in (_chat(local["limited"]) for _ in range(4)) if r.status_code == 429]
    assert refused, "a burst of 2 a second was never refused"
    assert refused[0].headers["x-ratelimit-remaining-requests"] == "0" and refused[0].headers["retry-after"] == "1"
    models = requests.get(local["limited"][0] + "/v1/models", timeout=10).json()["data"][0]
    assert models["rate_limits"]["requests_per_minute"] == 120


def test_an_expired_model_answers_410_in_words(local: dict) -> None:
    r = _chat(local["expired"])
    assert r.status_code == 410 and "has expired" in r.json()["error"]
    error = provider_error(r.status_code, r.content)
    assert error.message.startswith("The provider no longer serves this model: it expired on ")
    listed = requests.get(local["expired"][0] + "/v1/models", timeout=10).json()["data"][0]
    assert listed["expiration_date"] in r.json()["error"]


def test_the_flaky_provider_fails_every_third_request_and_serves_the_rest(local: dict) -> None:
    codes = [_chat(local["flaky"]).status_code for _ in range(6)]
    assert codes == [200, 200, 503, 200, 200, 503]


def test_the_slow_provider_takes_its_time_to_the_first_token(local: dict) -> None:
    url, auth = local["slow"]
    started = time.monotonic()
    with requests.post(url + "/v1/proxy/chat/completions", json={"model": "local/m", **ASK, "stream": True},
                       headers=auth, timeout=30, stream=True) as r:
        assert r.status_code == 200
        next(r.iter_lines())
        assert time.monotonic() - started >= 0.4
