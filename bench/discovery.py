"""Discovery at scale: 1,000 services on a real local chain, 30 % of them down or slow.

    python bench/discovery.py [--services 1000] [--down-or-slow 0.3] [--runs 3]

Starts a local network (og_devnet, its own child process), registers `--services` chatbot services
with tests/support/many_services.py (each from its own provider account with the 100 OG stake, then
acknowledged by the owner; half of the bad ones at a closed port, half behind a server that waits 20 s),
and a status service on loopback answering 0G's /health for every one of them. og_core's client talks
to the chain through a counting proxy (tests/support/rpc_proxy.py), so every eth_call is seen.

Measured, with the status cache warm (the client read /health once before, as a page run before did):
- eth_calls and HTTP round trips to list every service (target: ⌈n/50⌉ eth_calls, the contract's page);
- the time to the complete Discover table: the listing plus every provider's reachability probe
  (`services(refresh=True, probe=True)`, what the Discover page calls) with the status service's health,
  target ≤ 3 s, and that no slow provider holds it up (each bad one marked within the probe budget);
- the time of `market(refresh=True)` (the Models view's read: services, health, grouping);
- the chain's own share (the same getAllServices pages read straight from the node, no og_core);
- the process's RSS growth over all of it.
Each timing is the median of `--runs`. Prints one Markdown table: value, target, ratio (≥ 1.00× met).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from og_core import OgClient, Settings  # noqa: E402
from og_core.discovery import PAGE_SIZE  # noqa: E402
from og_core.status import clear_status_cache  # noqa: E402
from og_devnet.launch import start_devnet  # noqa: E402
from tests.support.fakes import FakeProvider, send_json  # noqa: E402
from tests.support.many_services import ManyServices, register_many  # noqa: E402
from tests.support.rpc_proxy import RpcProxy  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def status_service(many: ManyServices) -> FakeProvider:
    """0G's /health shape for every bench service: healthy when up, warning when slow, critical when down."""
    grade = {"up": ("healthy", 99.5), "slow": ("warning", 80.0), "down": ("critical", 12.0)}
    services = [{"serviceType": "chatbot", "model": f"bench/model-{i}", "provider": address.lower(),
                 "status": grade[kind][0], "checks": {"total": 200, "successful": int(2 * grade[kind][1]),
                                                     "uptime": grade[kind][1]},
                 "performance": {"response_time": {"avg": 120, "p50": 100, "p90": 180, "p99": 400, "unit": "ms",
                                                   "samples": 200}}, "lastCheck": "2026-12-04T18:00:00Z"}
                for i, (address, kind) in enumerate(many.kinds.items())]
    body = {"status": "ok", "timestamp": "2026-12-04T18:00:00Z", "isMonitoring": True, "services": services}
    server = FakeProvider()
    server.routes["GET /health"] = lambda h: send_json(h, 200, body)
    server.routes["GET /models"] = lambda h: send_json(h, 200, {"data": []})
    return server


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def chain_only(rpc_url: str, inference: str, total: int, runs: int) -> float:
    """The node's own time for the getAllServices pages (plain web3 calls, no og_core)."""
    from web3 import Web3

    from og_devnet.deploy import load_artifact

    contract = Web3(Web3.HTTPProvider(rpc_url)).eth.contract(address=Web3.to_checksum_address(inference),
                                                             abi=load_artifact("InferenceServing")["abi"])
    pages = range(0, total, PAGE_SIZE)
    return timed(lambda: [contract.functions.getAllServices(o, PAGE_SIZE).call() for o in pages], runs)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--down-or-slow", type=float, default=0.3)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    rows: list[tuple[str, str, str, str, str]] = []
    complete = False
    handle = start_devnet(port=0, settle_interval=3600, no_limits=True)
    many: ManyServices | None = None
    status = proxy = None
    try:
        inference = handle.info["addresses"]["inference"]
        started = time.perf_counter()
        many = register_many(handle.rpc_url, inference, args.services, down_or_slow=args.down_or_slow)
        register_s = time.perf_counter() - started
        status = status_service(many)
        proxy = RpcProxy(handle.rpc_url)
        rss_before = rss_mb()
        client = OgClient("local", settings=Settings(), rpc_url=proxy.url, addresses=handle.info["addresses"],
                          status_url=status.url)
        clear_status_cache()
        assert client.health().available  # the warm status cache
        total = len(client.services(refresh=True))  # and a warm connection (chain id read once)

        proxy.reset_counts()
        list_s, listed = timed(lambda: client.services(refresh=True), args.runs)
        calls = proxy.count("eth_call") / args.runs
        trips = proxy.round_trips() / args.runs
        methods = Counter(m for request in proxy.requests for m in request)
        other = ", ".join(f"{m} ×{n / args.runs:g}" for m, n in methods.items() if m != "eth_call") or "nothing else"
        minimum = math.ceil(total / PAGE_SIZE)

        def table() -> tuple[list[Any], Any]:
            return client.services(refresh=True, probe=True), client.health()

        table_s, (probed, report) = timed(table, args.runs)
        # the part og_core controls: every probe and the (warm) health, on the list just read
        probe_s, _ = timed(lambda: (client.services(probe=True), client.health()), args.runs)
        mine = {s.provider: s for s in probed if s.provider in many.kinds}
        bad_marked = sum(1 for a, s in mine.items() if many.kinds[a] != "up" and s.health and not s.health.reachable)
        up_ok = sum(1 for a, s in mine.items() if many.kinds[a] == "up" and s.health and s.health.reachable)
        with_status = sum(1 for a in mine if report.health_for(a, mine[a].model).status != "unknown")
        market_s, market = timed(lambda: client.market(refresh=True), args.runs)
        group_s, _ = timed(lambda: client.market(), args.runs)  # the list cached: health and grouping only
        chain_s = chain_only(handle.rpc_url, inference, total, args.runs)
        rss_growth = rss_mb() - rss_before
        client.close()

        bad = many.count("slow") + many.count("down")
        rows += [
            ("services on the chain", f"{total:,}", f"≥ {args.services:,}", f"{total / args.services:.2f}×",
             f"{args.services:,} registered in {register_s:.1f} s + the network's own; {many.count('down')} down, "
             f"{many.count('slow')} slow (20 s)"),
            ("eth_calls to list them all", f"{calls:.0f}", f"≤ {minimum}", f"{minimum / calls:.2f}×",
             f"⌈{total:,}/{PAGE_SIZE}⌉ = {minimum}; {trips:g} HTTP round trips in all; also {other}"),
            ("list every service (chain read)", f"{list_s:.2f} s", "—", "—",
             f"median of {args.runs}; the node alone takes {chain_s:.2f} s for the same pages"),
            ("complete Discover table with health", f"{table_s:.2f} s", "≤ 3 s", f"{3 / table_s:.2f}×",
             f"listing + {len(probed):,} probes + /health (warm); {up_ok} of {args.services - bad} up reachable, "
             f"{bad_marked} of {bad} bad marked unreachable, {with_status} with status-service health"),
            ("of which probes + health (not the chain)", f"{probe_s:.2f} s", "≤ 3 s", f"{3 / probe_s:.2f}×",
             "every provider at once, bounded by the 2 s round budget; the slow ones wait 20 s"),
            ("market() (Models view), list re-read", f"{market_s:.2f} s", "≤ 3 s", f"{3 / market_s:.2f}×",
             f"{len(market.summaries):,} models grouped"),
            ("market() with the list cached", f"{group_s:.2f} s", "≤ 3 s", f"{3 / group_s:.2f}×",
             "health (warm) and grouping by model only"),
            ("RSS growth of the process", f"+{rss_growth:.0f} MB", "—", "—", "client, listing, probes, market"),
        ]
        complete = len(listed) == total and bad_marked == bad and up_ok == args.services - bad
    finally:
        for part in (proxy, status, many):
            if part is not None:
                part.close()
        handle.stop()

    print(f"\nDiscovery at scale ({args.services:,} services, {args.down_or_slow:.0%} down or slow; "
          f"median of {args.runs} runs)\n")
    print("| metric | value | target | ratio | notes |")
    print("|---|---:|---:|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if not complete:
        print("\nNOT COMPLETE: some up providers were not reachable within the probe budget, or a bad one was.")
    return 0 if complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
