"""Many services on a real local network, registered quickly (bench/discovery.py).

Each service is registered the way a provider does it — `addOrUpdateService` from its own account with
the 100 OG stake, then the owner's `acknowledgeTEESignerByOwner` — but the transactions are signed
here with fixed gas and nonces and sent as JSON-RPC batches of BATCH, so 1,000 services take seconds,
not the minutes one-at-a-time sends with a receipt wait each would.

Their providers are real HTTP endpoints on loopback, served from a child process (so the client being
measured does not share its interpreter with them): `up` ones answer `/v1/models` at once from one
shared server (a path per service), `slow` ones from a server that waits SLOW_S first, `down` ones point
at a closed port (connection refused).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

import requests
from eth_account import Account
from web3 import Web3

from og_devnet.accounts import DEPLOYER
from og_devnet.deploy import PROVIDER_STAKE, load_artifact
from tests.support.fakes import FakeProvider, send_json

BATCH = 100  # transactions per JSON-RPC batch
REGISTER_GAS = 1_500_000
ACK_GAS = 200_000
SLOW_S = 20.0  # far past any probe's limit: a slow provider must never hold the table up
PRICE_WEI = 10**9


@dataclass
class ManyServices:
    """What `register_many` registered: provider address → its kind ("up", "slow", "down")."""

    kinds: dict[str, str]
    farm: Any = None  # the child process serving the providers
    stop: Any = None  # its end of the pipe: closing it stops the child

    def count(self, kind: str) -> int:
        return sum(1 for k in self.kinds.values() if k == kind)

    def close(self) -> None:
        if self.farm is not None:
            self.stop.close()
            self.farm.join(10)
            if self.farm.is_alive():
                self.farm.kill()


def _farm(conn: Any) -> None:
    """Child process: the up and the slow server, until the parent closes its end of the pipe."""
    up, slow = FakeProvider(), FakeProvider()
    up.routes["GET /s/*"] = _model_list
    slow.routes["GET /s/*"] = _slow_model_list
    conn.send((up.url, slow.url))
    try:
        conn.recv()
    except EOFError:
        pass
    up.close()
    slow.close()


def _rpc_batch(rpc_url: str, calls: Sequence[tuple[str, list[Any]]], session: requests.Session) -> list[Any]:
    body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
    answers = session.post(rpc_url, json=body, timeout=600).json()
    errors = [a["error"] for a in answers if "error" in a]
    if errors:
        raise RuntimeError(f"{len(errors)} of {len(calls)} calls failed, e.g. {errors[0]}")
    return [a["result"] for a in sorted(answers, key=lambda a: a["id"])]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when this returns: connections are refused


def _model_list(h: BaseHTTPRequestHandler) -> None:
    n = h.path.split("/")[2]
    send_json(h, 200, {"object": "list", "data": [{"id": f"bench/model-{n}", "object": "model"}]})


def _slow_model_list(h: BaseHTTPRequestHandler) -> None:
    time.sleep(SLOW_S)
    try:
        _model_list(h)
    except OSError:
        pass  # the client gave up long ago, as it should


def kinds_for(n: int, down_or_slow: float) -> list[str]:
    """`n` kinds, every k-th one not up (alternately down and slow), spread over the list."""
    bad = round(n * down_or_slow)
    out = ["up"] * n
    for i in range(bad):
        out[(i * n) // bad if bad else 0] = "down" if i % 2 == 0 else "slow"
    return out


def register_many(rpc_url: str, inference_address: str, n: int, *, down_or_slow: float = 0.3,
                  seed: str = "bench") -> ManyServices:
    """Register `n` chatbot services (a share `down_or_slow` of them down or slow) and acknowledge them."""
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    inference = w3.eth.contract(address=Web3.to_checksum_address(inference_address),
                                abi=load_artifact("InferenceServing")["abi"])
    ours, theirs = multiprocessing.get_context("fork").Pipe()
    farm = multiprocessing.get_context("fork").Process(target=_farm, args=(theirs,), daemon=True)
    farm.start()
    up_url, slow_url = ours.recv()
    dead = f"http://127.0.0.1:{_closed_port()}"
    kinds = kinds_for(n, down_or_slow)
    accounts = [Account.from_key(hashlib.sha256(f"{seed}-{i}".encode()).digest()) for i in range(n)]
    session = requests.Session()
    chain_id = w3.eth.chain_id
    gas_price = w3.eth.gas_price
    _rpc_batch(rpc_url, [("hardhat_setBalance", [a.address, hex(PROVIDER_STAKE + 10**18)]) for a in accounts],
               session)

    def url(i: int) -> str:
        base = {"up": up_url, "slow": slow_url, "down": dead}[kinds[i]]
        return f"{base}/s/{i}"

    registrations = []
    for i, acct in enumerate(accounts):
        params = ("chatbot", url(i), f"bench/model-{i}", "TeeML", PRICE_WEI, PRICE_WEI,
                  json.dumps({"TargetSeparated": False}), acct.address)
        tx = {"to": inference.address, "data": inference.functions.addOrUpdateService(params)._encode_transaction_data(),
              "value": PROVIDER_STAKE, "gas": REGISTER_GAS, "gasPrice": gas_price, "nonce": 0, "chainId": chain_id}
        registrations.append(acct.sign_transaction(tx).raw_transaction.to_0x_hex())
    owner = Account.from_key(DEPLOYER[1])
    nonce = w3.eth.get_transaction_count(owner.address, "pending")
    acks = []
    for i, acct in enumerate(accounts):
        tx = {"to": inference.address,
              "data": inference.functions.acknowledgeTEESignerByOwner(acct.address)._encode_transaction_data(),
              "value": 0, "gas": ACK_GAS, "gasPrice": gas_price, "nonce": nonce + i, "chainId": chain_id}
        acks.append(owner.sign_transaction(tx).raw_transaction.to_0x_hex())
    for raw_txs in (registrations, acks):
        hashes = []
        for start in range(0, len(raw_txs), BATCH):
            hashes += _rpc_batch(rpc_url, [("eth_sendRawTransaction", [r]) for r in raw_txs[start:start + BATCH]],
                                 session)
        receipts = []
        for start in range(0, len(hashes), BATCH):
            receipts += _rpc_batch(rpc_url, [("eth_getTransactionReceipt", [h]) for h in hashes[start:start + BATCH]],
                                   session)
        failed = [r for r in receipts if r is None or int(r["status"], 16) != 1]
        if failed:
            raise RuntimeError(f"{len(failed)} of {len(receipts)} registration transactions failed")
    return ManyServices({a.address: k for a, k in zip(accounts, kinds, strict=True)}, farm, ours)
