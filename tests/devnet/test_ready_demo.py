"""The first demo wallet starts ready (a ledger and 3 OG, acknowledged, at every local provider, with 5 OG
left available), so a newcomer's first request needs no transaction; the other demo wallets start empty."""

from __future__ import annotations

import pytest
import requests
from web3 import Web3
from web3.exceptions import ContractLogicError

from og_devnet.contracts.build import load_artifact
from og_devnet.launch import DevnetHandle
from tests.support.devnet import rpc
from tests.support.tokens import make_token

OG = 10**18


def _contracts(devnet: DevnetHandle) -> tuple:
    w3 = Web3(Web3.HTTPProvider(devnet.rpc_url))
    addrs = devnet.info["addresses"]
    return (w3.eth.contract(address=addrs["ledger"], abi=load_artifact("LedgerManager")["abi"]),
            w3.eth.contract(address=addrs["inference"], abi=load_artifact("InferenceServing")["abi"]))


def test_the_first_demo_wallet_starts_with_a_ledger_and_every_provider_funded(devnet: DevnetHandle) -> None:
    first, second = devnet.info["demo_accounts"][:2]
    assert devnet.info["ready_demo"] == {"address": first["address"], "per_provider_wei": str(3 * OG),
                                         "available_wei": str(5 * OG)}
    ledger, inference = _contracts(devnet)
    assert len(devnet.providers) == 9
    got = ledger.functions.getLedger(first["address"]).call()
    assert (got[1], got[2]) == (5 * OG, 9 * 3 * OG + 5 * OG)  # availableBalance, totalBalance
    for p in devnet.providers:
        account = inference.functions.getAccount(first["address"], p["address"]).call()
        assert account[3] == 3 * OG and account[7] is True  # balance, acknowledged
    for demo in devnet.info["demo_accounts"][1:]:
        assert not inference.functions.accountExists(demo["address"], devnet.provider("chat-lite")["address"]).call()
    with pytest.raises(ContractLogicError):  # LedgerNotExists: the other demo wallets start empty
        ledger.functions.getLedger(second["address"]).call()


def test_its_first_chat_needs_no_transaction(devnet: DevnetHandle) -> None:
    first = devnet.info["demo_accounts"][0]
    before = rpc(devnet, "devnet_txCount")
    for name in ("chat-tee", "chat-lite"):
        p = devnet.provider(name)
        r = requests.post(p["url"] + "/v1/proxy/chat/completions", timeout=30,
                          headers={"Authorization": make_token(first["private_key"], p["address"])},
                          json={"model": p["model"], "messages": [{"role": "user", "content": "what is 6 * 7"}]})
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["message"]["content"].endswith("= 42")
    assert rpc(devnet, "devnet_txCount") == before
