"""Client overhead per chat request against the local network, side by side in one run.

(a) SDK flow: `broker.inference.get_request_headers(provider)` before every request, then POST
(b) og_core: `OgClient.chat()` — cached session token and cached service, then POST
(c) raw: one httpx POST with a header prepared once

Chain calls are counted by wrapping each Web3 provider's `make_request`. Targets: og_core makes
0 chain calls per request once warm and takes ≤ 1.05× the raw POST time.

    python bench/client_overhead.py [--requests 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import httpx
import requests
from eth_account import Account
from web3 import Web3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from og_core import OgClient, Settings  # noqa: E402
from og_devnet.launch import start_devnet  # noqa: E402

MESSAGES = [{"role": "user", "content": "What is 2 + 3?"}]
MAX_TOKENS = 16


class CountingProvider(Web3.HTTPProvider):
    """HTTPProvider that counts JSON-RPC requests."""

    calls = 0

    def make_request(self, method, params):  # type: ignore[override]
        CountingProvider.calls += 1
        return super().make_request(method, params)


def count_calls(w3: Web3) -> None:
    """Swap in a counting provider (assigning `w3.provider` also resets web3's cached request path)."""
    w3.provider = CountingProvider(w3.provider.endpoint_uri)


def rpc(url: str, method: str, params: list) -> object:
    return requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                         timeout=30).json()["result"]


def measure(name: str, n: int, one_request) -> dict:
    one_request()  # warm-up (token built, service cached, connections open)
    start_calls = CountingProvider.calls
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        one_request()
        times.append((time.perf_counter() - t0) * 1000)
    return {"name": name, "chain_calls": (CountingProvider.calls - start_calls) / n,
            "median_ms": statistics.median(times), "mean_ms": statistics.fmean(times)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    with start_devnet(no_limits=True, settle_interval=3600) as net:
        account = Account.create()
        rpc(net.rpc_url, "hardhat_setBalance", [account.address, hex(1000 * 10**18)])
        provider = net.provider("chat-tee")["address"]

        client = OgClient("local", private_key=account.key.hex(), settings=Settings(), rpc_url=net.rpc_url,
                          addresses=net.info["addresses"])
        client.execute(client.plan_deposit("100"))
        client.execute(client.plan_fund_provider(provider, "50"))  # enough that the SDK never auto-funds
        count_calls(client.web3)
        before = CountingProvider.calls
        client.ledger()
        assert CountingProvider.calls > before, "the chain-call counter does not see og_core's calls"

        from zerog_py_sdk.broker import ZGServingBroker

        sdk_w3 = Web3(Web3.HTTPProvider(net.rpc_url))
        count_calls(sdk_w3)
        a = net.info["addresses"]
        broker = ZGServingBroker(account, sdk_w3, a["inference"], a["ledger"], a["fine_tuning"])

        service = client.service(provider)
        url = service.url.rstrip("/") + "/v1/proxy/chat/completions"
        body = {"model": service.model, "messages": MESSAGES, "max_tokens": MAX_TOKENS, "stream": False}
        payload = json.dumps(body, separators=(",", ":")).encode()
        http = httpx.Client(timeout=60)
        ready = {**client._request_headers(provider), "Content-Type": "application/json"}

        def sdk_flow():
            headers = {**broker.inference.get_request_headers(provider), "Content-Type": "application/json"}
            http.post(url, content=payload, headers=headers).raise_for_status()

        def og_core_flow():
            client.chat(provider, MESSAGES, max_tokens=MAX_TOKENS)

        def raw_flow():
            http.post(url, content=payload, headers=ready).raise_for_status()

        flows = {"SDK get_request_headers": sdk_flow, "og_core chat()": og_core_flow, "raw httpx POST": raw_flow}
        for fn in flows.values():
            fn()  # warm-up: token built, service cached, connections open
        times: dict[str, list[float]] = {name: [] for name in flows}
        calls: dict[str, int] = dict.fromkeys(flows, 0)
        # Interleave request by request, rotating the order: the SDK flow leaves the node busy for a
        # moment, so whichever flow runs right after it would otherwise always pay for that.
        order = list(flows.items())
        for i in range(args.requests):
            for name, fn in order[i % 3:] + order[:i % 3]:
                before = CountingProvider.calls
                t0 = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - t0) * 1000)
                calls[name] += CountingProvider.calls - before
        rows = [{"name": name, "chain_calls": calls[name] / args.requests,
                 "median_ms": statistics.median(times[name]), "mean_ms": statistics.fmean(times[name])}
                for name in flows]
        per_round = args.requests // 3
        raw = next(r for r in rows if r["name"] == "raw httpx POST")
        print(f"\n{per_round * 3} requests per flow, chat-tee, max_tokens={MAX_TOKENS}\n")
        print(f"{'flow':<26}{'chain calls/req':>16}{'median ms':>12}{'mean ms':>10}{'× raw':>8}")
        for r in rows:
            print(f"{r['name']:<26}{r['chain_calls']:>16.2f}{r['median_ms']:>12.2f}{r['mean_ms']:>10.2f}"
                  f"{r['median_ms'] / raw['median_ms']:>8.3f}")
        og = next(r for r in rows if r["name"] == "og_core chat()")
        ok = og["chain_calls"] == 0 and og["median_ms"] <= 1.05 * raw["median_ms"]
        print(f"\ntargets (og_core: 0 chain calls, ≤ 1.05× raw): {'met' if ok else 'NOT met'}")
        client.close()
        http.close()


if __name__ == "__main__":
    main()
