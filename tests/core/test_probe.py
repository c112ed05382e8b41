"""The Discover table's health probe: short, bounded, and never stuck on a trickling provider."""

from __future__ import annotations

import time

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
