"""The Discover table's health probe: short, bounded, and never stuck on a trickling provider."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from types import SimpleNamespace

import pytest

from og_core.discovery import probe_provider
from og_core.safety import UrlGuard
from tests.support.fakes import FakeProvider, send_json, service


@pytest.fixture
def provider():
    p = FakeProvider()
    yield p
    p.close()


def _trickle(h) -> None:
    body = b'{"data": [{"id": "local/test-model"}]}'
    h.send_response(200)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    for byte in body:  # one byte every 0.2 s: each read is quick, the whole answer is not
        h.wfile.write(bytes([byte]))
        h.wfile.flush()
        time.sleep(0.2)


def test_probe_reads_models_and_latency(provider):
    provider.routes["GET /v1/models"] = lambda h: send_json(h, 200, {"data": [{"id": "local/test-model"}]})
    guard = UrlGuard(local=True)
    with guard.client(None) as http:
        health = probe_provider(service(provider.url), http, guard, timeout_s=2)
    assert health.reachable and health.models == ("local/test-model",) and health.latency_ms is not None


def test_probe_gives_up_on_a_trickling_provider_at_its_deadline(provider):
    provider.routes["GET /v1/models"] = _trickle
    guard = UrlGuard(local=True)
    with guard.client(None) as http:
        started = time.monotonic()
        health = probe_provider(service(provider.url), http, guard, timeout_s=1.0)
        took = time.monotonic() - started
    assert not health.reachable and "did not answer within 1 s" in (health.error or "")
    assert took < 3  # the whole answer would take ~8 s


def test_a_round_of_probes_is_bounded_by_its_budget_whatever_the_slow_providers_do(provider):
    """Discover probes every provider at once: 120 that answer at once, 120 that take 20 s (more than the
    shared client's 100 connections). The round ends at its budget, every fast one reachable, every slow
    one marked in words — none waited for."""
    from og_core.discovery import Discovery

    provider.routes["GET /fast/*"] = lambda h: send_json(h, 200, {"data": [{"id": "local/test-model"}]})
    release = threading.Event()
    provider.routes["GET /slow/*"] = lambda h: release.wait(20)
    services = [replace(service(f"{provider.url}/{kind}/{i}"), provider=f"0x{i:040x}")
                for i in range(240) for kind in (("fast", "slow")[i % 2],)]
    guard = UrlGuard(local=True)
    with guard.client(None) as http:
        discovery = Discovery(SimpleNamespace(address="0x" + "00" * 20), "http://127.0.0.1:9", http, guard)
        started = time.monotonic()
        probed = discovery.probe_all(services, budget_s=3.0)
        took = time.monotonic() - started
    release.set()
    assert took < 3.0 + 1.5, took  # the budget, plus a moment to collect what finished
    fast = [s.health for s in probed if "/fast/" in s.url]
    slow = [s.health for s in probed if "/slow/" in s.url]
    assert len(fast) == len(slow) == 120 and all(h is not None and h.reachable for h in fast)
    assert all(h is not None and not h.reachable and "did not answer within" in (h.error or "") for h in slow)
