"""Benchmark the local 0G network: boot time, transactions/s, authenticated chat requests/s.

Run: `python -m bench.devnet` (or `python bench/devnet.py`) from the repo root. Loopback only,
bounded to well under two minutes. Ends with a Markdown table for bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/devnet.py` works too

from og_devnet.launch import DevnetHandle, start_devnet  # noqa: E402

OG = 10**18
CHAIN_ID = 31337
GAS_PRICE = 10**9
DEPOSIT_FUND = "0x" + function_signature_to_4byte_selector("depositFund()").hex()
# addLedger(string "") calldata: selector, offset 0x20, length 0
ADD_LEDGER_EMPTY = ("0x" + function_signature_to_4byte_selector("addLedger(string)").hex()
                    + f"{32:064x}" + f"{0:064x}")


@dataclass
class Row:
    """One line of the result table; `higher_is_better` decides how the ratio is computed."""

    metric: str
    value: float
    unit: str
    target: float
    higher_is_better: bool
    note: str = ""

    @property
    def ratio(self) -> float:
        if self.value <= 0:
            return 0.0
        return self.value / self.target if self.higher_is_better else self.target / self.value


class RawRpc:
    """A minimal JSON-RPC client over one keep-alive connection (no web3 overhead)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self._id = 0

    def call(self, method: str, params: list | None = None) -> Any:
        self._id += 1
        body = self.session.post(self.url, json={"jsonrpc": "2.0", "id": self._id, "method": method,
                                                 "params": params or []}, timeout=60).json()
        if "error" in body:
            raise RuntimeError(f"{method}: {body['error']}")
        return body["result"]


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# ---------------------------------------------------------------- boot time

def bench_boot(runs: int) -> list[float]:
    """Seconds from start_devnet() to the ready file (child process, all five brokers up)."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        handle = start_devnet(port=0, contracts="ours", settle_interval=3600, no_limits=True)
        times.append(time.perf_counter() - t0)
        handle.stop()
    return times


# ---------------------------------------------------------------- transactions/s

def _funded(rpc: RawRpc, count: int) -> list[LocalAccount]:
    accounts = [Account.create() for _ in range(count)]
    for acct in accounts:
        rpc.call("hardhat_setBalance", [acct.address, hex(10_000 * OG)])
    return accounts


def _sign_many(acct: LocalAccount, start_nonce: int, count: int, to: str, data: str, value: int) -> list[str]:
    txs = []
    for i in range(count):
        tx = {"nonce": start_nonce + i, "to": to, "value": value, "gas": 200_000, "gasPrice": GAS_PRICE,
              "chainId": CHAIN_ID, "data": data}
        txs.append("0x" + acct.sign_transaction(tx).raw_transaction.hex().removeprefix("0x"))
    return txs


def _send_all(url: str, batches: list[list[str]], budget_s: float) -> tuple[int, float]:
    """Send each batch from its own thread and connection; stop at the time budget.
    Returns (transactions sent, seconds)."""
    sent = [0] * len(batches)
    deadline = time.perf_counter() + budget_s

    def worker(i: int) -> None:
        rpc = RawRpc(url)
        for raw in batches[i]:
            if time.perf_counter() > deadline:
                return
            rpc.call("eth_sendRawTransaction", [raw])
            sent[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(batches))]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(sent), time.perf_counter() - t0


def bench_transactions(handle: DevnetHandle, per_sender: int, senders: int, budget_s: float) -> dict[str, float]:
    """Pre-signed native transfers and ledger depositFund calls, sent over raw JSON-RPC.
    The chain automines, so each accepted send is a mined transaction."""
    rpc = RawRpc(handle.rpc_url)
    ledger = handle.info["addresses"]["ledger"]
    out: dict[str, float] = {}

    accounts = _funded(rpc, senders)
    sink = Account.create().address
    batches = [_sign_many(a, 0, per_sender, sink, "0x", 1) for a in accounts]
    before = rpc.call("devnet_txCount")
    sent, secs = _send_all(handle.rpc_url, batches, budget_s)
    assert rpc.call("devnet_txCount") - before == sent, "every transfer must be mined"
    assert int(rpc.call("eth_getBalance", [sink, "latest"]), 16) == sent
    out["transfer_tps"], out["transfer_n"] = sent / secs, sent

    accounts = _funded(rpc, senders)
    for acct in accounts:  # each sender gets a ledger first (nonce 0), then deposits
        rpc.call("eth_sendRawTransaction", _sign_many(acct, 0, 1, ledger, ADD_LEDGER_EMPTY, 3 * OG))
    batches = [_sign_many(a, 1, per_sender, ledger, DEPOSIT_FUND, OG) for a in accounts]
    sent, secs = _send_all(handle.rpc_url, batches, budget_s)
    receipts_ok = _last_receipts_ok(rpc, batches)
    assert receipts_ok, "depositFund transactions reverted"
    out["deposit_tps"], out["deposit_n"] = sent / secs, sent
    return out


def _last_receipts_ok(rpc: RawRpc, batches: list[list[str]]) -> bool:
    from eth_utils import keccak

    for batch in batches:
        receipt = rpc.call("eth_getTransactionReceipt", ["0x" + keccak(hexstr=batch[0]).hex()])
        if receipt is None or int(receipt["status"], 16) != 1:
            return False
    return True


# ---------------------------------------------------------------- chat requests/s

def _chat_user(handle: DevnetHandle, provider: str) -> dict[str, str]:
    """A fresh wallet with a ledger and a well-funded sub-account; returns ready request headers."""
    from zerog_py_sdk import create_broker

    rpc = RawRpc(handle.rpc_url)
    acct = Account.create()
    rpc.call("hardhat_setBalance", [acct.address, hex(1_000 * OG)])
    sdk = create_broker(acct.key.to_0x_hex(), network="hardhat", rpc_url=handle.rpc_url)
    sdk.ledger.add_ledger("200")
    fn = sdk.ledger_contract.functions.transferFund(provider, "inference-v1.0", 100 * OG)
    tx = fn.build_transaction({"from": acct.address, "nonce": sdk.web3.eth.get_transaction_count(acct.address),
                               "gasPrice": GAS_PRICE, "chainId": CHAIN_ID})
    tx["gas"] = int(sdk.web3.eth.estimate_gas({k: tx[k] for k in ("from", "to", "data")}) * 1.2)
    receipt = sdk.web3.eth.wait_for_transaction_receipt(
        sdk.web3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction))
    assert receipt["status"] == 1
    return {**sdk.inference._session_manager.get_request_headers(provider), "Content-Type": "application/json"}


async def _chat_load(url: str, headers: dict[str, str], body: bytes, workers: int, seconds: float,
                     warmup_s: float) -> tuple[int, int, float, list[float]]:
    """`workers` coroutines sharing one keep-alive httpx client. Returns (ok, failed, secs, latencies)."""
    latencies: list[float] = []
    ok = failed = 0
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as client:
        async def run(until: float, record: bool) -> None:
            nonlocal ok, failed
            while time.perf_counter() < until:
                t0 = time.perf_counter()
                resp = await client.post("/v1/proxy/chat/completions", content=body)
                if not record:
                    continue
                if resp.status_code == 200:
                    ok += 1
                    latencies.append(time.perf_counter() - t0)
                else:
                    failed += 1

        warm_until = time.perf_counter() + warmup_s
        await asyncio.gather(*(run(warm_until, False) for _ in range(workers)))
        t0 = time.perf_counter()
        await asyncio.gather(*(run(t0 + seconds, True) for _ in range(workers)))
        return ok, failed, time.perf_counter() - t0, latencies


def _keepalive_roundtrip_ms(url: str, n: int = 30) -> float:
    """Median of sequential GETs on one keep-alive connection. ~40 ms means the server's accepted
    sockets lack TCP_NODELAY (Nagle's algorithm meets the client's delayed ACK)."""
    session = requests.Session()
    session.get(url, timeout=10)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        session.get(url, timeout=10)
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def bench_chat(handle: DevnetHandle, workers: int, seconds: float) -> dict[str, float]:
    import json

    p = handle.provider("chat-tee")
    headers = _chat_user(handle, p["address"])
    body = json.dumps({"model": p["model"], "messages": [{"role": "user", "content": "hi"}]}).encode()
    probe = requests.post(p["url"] + "/v1/proxy/chat/completions", data=body, headers=headers, timeout=30)
    assert probe.status_code == 200, probe.text
    idle = _keepalive_roundtrip_ms(p["url"] + "/v1/models")
    ok, failed, secs, lat = asyncio.run(_chat_load(p["url"], headers, body, workers, seconds, warmup_s=1.0))
    if not lat:
        raise RuntimeError("no chat request succeeded")
    return {"rps": ok / secs, "ok": ok, "failed": failed, "p50_ms": _percentile(lat, 0.50) * 1000,
            "p95_ms": _percentile(lat, 0.95) * 1000, "idle_ms": idle, "completion_tokens": probe.json()["usage"]["completion_tokens"]}


# ---------------------------------------------------------------- report

def markdown_table(rows: list[Row]) -> str:
    lines = ["| metric | value | target | ratio | notes |", "|---|---:|---:|---:|---|"]
    for r in rows:
        op = "≥" if r.higher_is_better else "≤"
        lines.append(f"| {r.metric} | {r.value:,.1f} {r.unit} | {op} {r.target:g} {r.unit} | "
                     f"{r.ratio:.2f}× | {r.note} |")
    return "\n".join(lines)


def _step(name: str, fn: Callable[[], Any]) -> Any:
    t0 = time.perf_counter()
    print(f"· {name} …", flush=True)
    result = fn()
    print(f"  done in {time.perf_counter() - t0:.1f} s", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boot-runs", type=int, default=3)
    ap.add_argument("--tx-senders", type=int, default=4)
    ap.add_argument("--tx-per-sender", type=int, default=250)
    ap.add_argument("--tx-budget", type=float, default=10.0, help="seconds per transaction phase at most")
    ap.add_argument("--workers", type=int, default=8, help="concurrent keep-alive chat clients")
    ap.add_argument("--chat-seconds", type=float, default=10.0)
    args = ap.parse_args(argv)
    started = time.perf_counter()

    boots = _step(f"boot time × {args.boot_runs}", lambda: bench_boot(args.boot_runs))
    boot = statistics.median(boots)
    print(f"  boot: median {boot:.2f} s ({', '.join(f'{b:.2f}' for b in boots)})")

    handle = _step("start network (ours, no limits)",
                   lambda: start_devnet(port=0, contracts="ours", settle_interval=3600, no_limits=True))
    try:
        tx = _step("transactions", lambda: bench_transactions(handle, args.tx_per_sender, args.tx_senders,
                                                             args.tx_budget))
        print(f"  transfers: {tx['transfer_tps']:.1f} tx/s ({tx['transfer_n']:.0f} txs); "
              f"depositFund: {tx['deposit_tps']:.1f} tx/s ({tx['deposit_n']:.0f} txs)")
        chat = _step(f"chat through one broker, {args.workers} keep-alive clients",
                     lambda: bench_chat(handle, args.workers, args.chat_seconds))
        print(f"  idle keep-alive round trip (GET /v1/models): {chat['idle_ms']:.1f} ms")
        print(f"  chat: {chat['rps']:.1f} req/s ({chat['ok']:.0f} ok, {chat['failed']:.0f} failed), "
              f"p50 {chat['p50_ms']:.1f} ms, p95 {chat['p95_ms']:.1f} ms")
    finally:
        handle.stop()

    rows = [
        Row(f"boot `python -m og_devnet` (median of {args.boot_runs})", boot, "s", 10, False,
            "chain + deploy + 5 providers + 5 brokers"),
        Row("signed native transfers", tx["transfer_tps"], "tx/s", 50, True,
            f"raw JSON-RPC, {args.tx_senders} senders, automine"),
        Row("ledger `depositFund` txs", tx["deposit_tps"], "tx/s", 50, True,
            f"raw JSON-RPC, {args.tx_senders} senders"),
        Row("authenticated chat, one broker", chat["rps"], "req/s", 150, True,
            f"{args.workers} keep-alive clients, {chat['failed']:.0f} failed"),
        Row("chat latency p50", chat["p50_ms"], "ms", 100, False, "under that load"),
        Row("chat latency p95", chat["p95_ms"], "ms", 200, False, "under that load"),
        Row("idle keep-alive round trip", chat["idle_ms"], "ms", 5, False,
            "sequential GET /v1/models; ~40 ms = no TCP_NODELAY on the broker"),
    ]
    print(f"\ntotal bench time {time.perf_counter() - started:.1f} s\n")
    print(markdown_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
