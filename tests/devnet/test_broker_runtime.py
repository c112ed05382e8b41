"""Broker behaviour around the edges of a request: the attestation report route, concurrency slots on
client disconnects, and the automatic settlement loop — against a real local chain."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import requests
from test_broker_helpers import make_token
from web3 import Web3

from og_devnet.accounts import DEPLOYER, PROVIDER_WALLETS, USERS, tee_key
from og_devnet.broker import ProviderConfig, start_brokers

OG = 10**18
SPECS = {  # name -> (model, verifiability, max concurrency, settle interval)
    "tee": ("local/rt-tee", "TeeML", 1, 0.0),
    "lite": ("local/rt-lite", "", 0, 0.0),
}


@pytest.fixture(scope="module")
def env() -> Iterator[dict]:
    from zerog_py_sdk import create_broker

    from og_devnet.chain import ChainNode
    from og_devnet.deploy import deploy, register_provider

    node = ChainNode()
    rpc_url = node.start(0)
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    addrs = deploy(w3, DEPLOYER[1], contracts="ours")
    cfgs = [ProviderConfig(name=name, provider_key=PROVIDER_WALLETS[i][1], tee_key=tee_key("rt-" + name),
                           service_type="chatbot", model=model, input_price=10**9, output_price=10**9,
                           verifiability=verif, max_concurrency=cap, settle_interval=interval)
            for i, (name, (model, verif, cap, interval)) in enumerate(SPECS.items())]
    group = start_brokers(cfgs, rpc_url, addrs.inference)
    user_key = USERS[8][1]
    sdk = create_broker(user_key, network="hardhat", rpc_url=rpc_url)
    sdk.ledger.add_ledger("10")
    out: dict = {"w3": w3, "user_key": user_key, "group": group, "sdk": sdk}
    for cfg, url in group:
        register_provider(w3, addrs.inference, cfg.provider_key, DEPLOYER[1], service_type=cfg.service_type,
                          url=url, model=cfg.model, input_price=cfg.input_price, output_price=cfg.output_price,
                          verifiability=cfg.verifiability, additional_info='{"TargetSeparated":false}',
                          tee_signer=cfg.tee_address)
        sdk.ledger.transfer_fund(cfg.provider_address, "inference", 2 * OG)
        out[cfg.name] = (cfg, url, {"Authorization": make_token(user_key, cfg.provider_address)})
    try:
        yield out
    finally:
        group.stop()
        node.stop()


def test_attestation_report(env: dict) -> None:
    cfg, url, _ = env["tee"]
    quote = requests.get(url + "/v1/quote", timeout=10).json()
    report_url = url + "/v1/proxy/attestation/report"
    # The model runs in the broker's own (simulated) TEE: its report is that TEE's report.
    for params in ({"model": cfg.model}, {}):  # the SDK's download link has no ?model=
        r = requests.get(report_url, params=params, timeout=10)
        assert r.status_code == 200, r.text
        assert r.json() == quote
        assert base64.b64decode(r.json()["report_data"]).rstrip(b"\0").decode() == cfg.tee_address
    r = requests.get(report_url, params={"model": "local/other"}, timeout=10)
    assert r.status_code == 400
    assert r.json()["error"] == f'model not supported: requested "local/other", accepted: ["{cfg.model}"]'
    # Only GET is served; other methods still fall through to the catch-all.
    r = requests.post(report_url, json={}, timeout=10)
    assert r.status_code == 400 and r.json() == {"error": "unsupported endpoint"}

    lite, lite_url, _ = env["lite"]
    r = requests.get(lite_url + "/v1/proxy/attestation/report", params={"model": lite.model}, timeout=10)
    assert r.status_code == 501
    assert r.json()["error"].startswith("LLM attestation report is not available for this provider.")
