"""Discovery with many services on a real local chain: the listing makes the ⌈n/50⌉ eth_calls in a few
round trips, and a round of probes is bounded — down and slow providers are marked, not waited for.
(bench/discovery.py measures the same at 1,000 services.)"""

from __future__ import annotations

import math
import time

import pytest

from og_core import OgClient, Settings
from og_core.discovery import PAGE_SIZE, PROBE_BUDGET_S
from tests.support.devnet import start
from tests.support.many_services import register_many
from tests.support.rpc_proxy import RpcProxy

COUNT = 130


@pytest.fixture(scope="module")
def crowded():
    handle = start()
    many = register_many(handle.rpc_url, handle.info["addresses"]["inference"], COUNT, down_or_slow=0.3)
    proxy = RpcProxy(handle.rpc_url)
    yield handle, many, proxy
    proxy.close()
    many.close()
    handle.stop()


def test_the_listing_makes_the_minimum_of_eth_calls_in_few_round_trips(crowded):
    handle, many, proxy = crowded
    with OgClient("local", settings=Settings(), rpc_url=proxy.url, addresses=handle.info["addresses"]) as c:
        c.services(refresh=True)  # the chain id is checked once per process and URL
        proxy.reset_counts()
        services = c.services(refresh=True)
    assert set(many.kinds) <= {s.provider for s in services}
    pages = math.ceil(len(services) / PAGE_SIZE)
    assert proxy.count("eth_call") == pages == 3
    assert proxy.round_trips() == 2  # the first page (it says how many), then the rest in one batch
    assert {m for request in proxy.requests for m in request} == {"eth_call"}


def test_slow_and_down_providers_never_hold_the_table_up(crowded):
    handle, many, proxy = crowded
    with OgClient("local", settings=Settings(), rpc_url=proxy.url, addresses=handle.info["addresses"]) as c:
        c.services(refresh=True)
        started = time.monotonic()
        probed = {s.provider: s for s in c.services(refresh=True, probe=True)}
        took = time.monotonic() - started
    # the listing (well under a second here) plus the round's budget; the slow ones wait 20 s
    assert took < PROBE_BUDGET_S + 5, took
    for address, kind in many.kinds.items():
        health = probed[address].health
        assert health is not None and health.reachable is (kind == "up"), (kind, health)
        if kind == "slow":
            assert f"did not answer within {PROBE_BUDGET_S:g} s" in (health.error or "")
