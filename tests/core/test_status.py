"""The status service client against a fake status service: matching, and every way it can misbehave
(down, slow, huge, malformed) meaning "health unknown", never an exception."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from og_core.status import (
    MAINNET_STATUS_URL,
    NO_STATUS_SERVICE,
    TESTNET_STATUS_URL,
    cached_status,
    clear_status_cache,
    fetch_status,
    get_status,
    parse_health,
    status_base_url,
)
from tests.support.fakes import FakeProvider, Flood, drip, json_head, send_json

A = "0x" + "Ab" * 20  # mixed case: the status service's case need not be ours
B = "0x" + "cd" * 20


def metric(p50: float, p99: float, unit: str | None = "ms") -> dict:
    out = {"avg": p50 * 1.2, "p50": p50, "p90": p50 * 2, "p95": p50 * 3, "p99": p99, "min": 1, "max": p99 * 2,
           "samples": 40}
    if unit is not None:
        out["unit"] = unit
    return out


HEALTH = {
    "status": "ok", "timestamp": "2026-12-04T01:00:00Z", "isMonitoring": True,
    "summary": {"totalServices": 3, "healthy": 1, "warning": 1, "critical": 1, "overallUptime": 90.5},
    "services": [
        {"serviceType": "chatbot", "model": "local/chat", "provider": A.lower(), "status": "healthy",
         "checks": {"total": 200, "successful": 199, "failed": 1, "uptime": 99.5},
         "performance": {"response_time": metric(120, 900), "ttft": metric(40, 80),
                         "tokens_per_second": metric(55, 70, unit=None)},
         "lastCheck": "2026-12-04T00:59:30Z"},
        {"serviceType": "chatbot", "model": "glm-5.1", "provider": B, "status": "warning",
         "checks": {"total": 100, "successful": 80, "failed": 20, "uptime": 80},
         "performance": {"response_time": metric(300, 2000, unit=None)}, "lastCheck": "2026-12-04T00:59:00Z"},
        {"serviceType": "chatbot", "model": "other", "provider": B, "status": "critical",
         "checks": {"uptime": 10}, "performance": {}},
    ],
}
MODELS = {"data": [{"id": "vendor/GLM-5.1-FP8", "canonical_id": "glm-5.1", "provider": B, "object": "model"},
                   {"id": "local/chat", "provider": A, "object": "model"}]}


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_status_cache()
    yield
    clear_status_cache()


@pytest.fixture
def status():
    server = FakeProvider()
    server.routes["GET /health"] = lambda h: send_json(h, 200, HEALTH)
    server.routes["GET /models"] = lambda h: send_json(h, 200, MODELS)
    yield server
    server.close()


def test_base_url_by_chain_id():
    assert status_base_url(16661) == MAINNET_STATUS_URL == "https://compute-status.0g.ai"
    assert status_base_url(16602) == TESTNET_STATUS_URL == "https://compute-status-testnet.0g.ai"
    assert status_base_url(424242) == TESTNET_STATUS_URL
    assert status_base_url(31337, local=True) is None
    assert status_base_url(31337, local=True, local_url="http://127.0.0.1:9/") == "http://127.0.0.1:9"


def test_a_healthy_report_is_typed_and_matched(status):
    report = fetch_status(status.url)
    assert report.available and report.error is None and report.models_error is None
    assert report.timestamp == "2026-12-04T01:00:00Z"
    h = report.health_for(A, "local/chat")  # provider case differs from the service's
    assert (h.status, h.matched_by, h.uptime_pct, h.checks_total, h.checks_failed) == (
        "healthy", "model id", 99.5, 200, 1)
    assert (h.p50_ms, h.p90_ms, h.p99_ms) == (120, 240, 900)
    assert h.ttft is not None and h.ttft.p50 == 40
    assert h.tokens_per_second is not None and h.tokens_per_second.unit == "tokens/s"
    assert h.last_check == "2026-12-04T00:59:30Z"
    assert h.summary() == "healthy · 99.50% up · p50 120 ms, p99 900 ms"
    assert [m["id"] for m in report.model_objects(B.upper().replace("0X", "0x"))] == ["vendor/GLM-5.1-FP8"]


def test_matching_falls_back_to_the_canonical_id_then_the_only_model(status):
    report = fetch_status(status.url)
    # B has two entries: no exact id; its /models object says canonical_id glm-5.1
    glm = report.health_for(B, "vendor/GLM-5.1-FP8")
    assert (glm.status, glm.matched_by, glm.uptime_pct) == ("warning", "canonical id", 80)
    assert glm.response_time is not None and glm.response_time.unit == "ms"  # missing unit: milliseconds
    assert report.health_for(B, "vendor/unknown").status == "unknown"  # two entries: no pairing
    assert report.health_for(B, "x", canonical_id="other").status == "critical"
    # the model id is case-sensitive, like the SDKs
    assert report.health_for(A, "LOCAL/CHAT").matched_by == "only model"  # one model, one entry
    assert report.health_for(A, "LOCAL/CHAT", model_count=2).status == "unknown"
    nobody = report.health_for("0x" + "99" * 20, "local/chat")
    assert (nobody.status, nobody.uptime_pct, nobody.summary()) == ("unknown", None, "health unknown")


def test_both_endpoints_are_fetched_side_by_side():
    server = FakeProvider()

    def slow(payload):
        def route(h):
            time.sleep(0.6)
            send_json(h, 200, payload)
        return route

    server.routes["GET /health"] = slow(HEALTH)
    server.routes["GET /models"] = slow(MODELS)
    try:
        start = time.monotonic()
        report = fetch_status(server.url)
        assert time.monotonic() - start < 1.1  # not 1.2 s one after the other
        assert report.available and report.models
    finally:
        server.close()


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_a_status_service_that_is_down_means_health_unknown():
    report = fetch_status(_closed_port())
    assert not report.available and "cannot be reached" in (report.error or "")
    assert report.error.startswith("Health is unknown: ")
    assert report.health_for(A, "local/chat").status == "unknown"


def test_a_slow_status_service_is_cut_at_the_deadline(status):
    body = json.dumps(HEALTH).encode()
    status.routes["GET /health"] = lambda h: drip(h, json_head(body), body, every=0.05)
    start = time.monotonic()
    report = fetch_status(status.url, timeout_s=0.8)
    assert time.monotonic() - start < 2.0
    assert "did not answer within 0.8 s" in (report.error or "")
    assert report.models_error is None and report.models  # /models still counts


def test_a_huge_answer_is_refused_without_reading_it_all(status):
    flood = Flood(64 * 1024 * 1024)
    status.routes["GET /models"] = flood
    report = fetch_status(status.url)
    assert report.available  # /health was fine
    assert "unreasonably large" in (report.models_error or "")
    flood.done.wait(5)
    assert flood.sent < 16 * 1024 * 1024


@pytest.mark.parametrize("route,words", [
    (lambda h: send_json(h, 500, {"error": "boom"}), "answered HTTP 500"),
    (lambda h: send_json(h, 200, []), "unexpected format"),
    (lambda h: send_json(h, 200, {"services": {}}), "unexpected format"),
    (lambda h: drip(h, json_head(b"{not json"), b"{not json", every=0), "not valid JSON"),
])
def test_malformed_health_replies_mean_health_unknown(status, route, words):
    status.routes["GET /health"] = route
    report = fetch_status(status.url)
    assert not report.available and words in (report.error or ""), report.error
    assert report.health_for(A, "local/chat").status == "unknown"


def test_bad_entries_are_skipped_or_softened_with_notes():
    entries, notes, _stamp, error = parse_health({"services": [
        "junk", {"model": "m"}, {"provider": A, "model": "m", "status": "on fire", "checks": {"uptime": 250}},
        {"provider": A, "model": "n", "status": "healthy", "checks": {"uptime": True, "total": -3},
         "performance": {"response_time": {"p50": "fast", "p99": float("nan")}, "ttft": []}, "lastCheck": 5},
    ]})
    assert error is None and [e.model for e in entries] == ["m", "n"]
    m, n = entries
    assert m.status == "unknown" and m.uptime_pct is None
    assert (n.uptime_pct, n.checks_total, n.response_time, n.ttft, n.last_check) == (None, None, None, None, None)
    assert len(notes) == 3 and "not an object" in notes[0] and "names no provider" in notes[1]
    assert "not a percentage" in notes[2]


def test_the_report_is_cached_per_url_and_shared(status):
    first = get_status(status.url)
    asked = len(status.requests)
    assert asked == 2
    assert get_status(status.url + "/") is first and len(status.requests) == asked  # one URL, one cache entry
    assert cached_status(status.url) is first
    again = get_status(status.url, refresh=True)
    assert again is not first and len(status.requests) == asked + 2
    assert get_status(status.url, max_age_s=0) is not again  # older than allowed: fetched anew


def test_concurrent_sessions_share_one_fetch(status):
    slow_health = status.routes["GET /health"]

    def route(h):
        time.sleep(0.3)
        slow_health(h)

    status.routes["GET /health"] = route
    results = []
    threads = [threading.Thread(target=lambda: results.append(get_status(status.url))) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 5 and all(r is results[0] for r in results)
    assert len(status.requests) == 2


def test_a_failure_is_cached_too_so_a_down_service_does_not_slow_every_page():
    url = _closed_port()
    first = get_status(url)
    assert not first.available and get_status(url) is first


def test_no_status_service():
    report = get_status(None)
    assert report.error == NO_STATUS_SERVICE and report.health_for(A, "m").status == "unknown"
    assert cached_status(None) is None


def test_a_caller_that_cannot_wait_gets_the_last_report_and_the_fetch_fills_the_cache(status):
    from og_core.status import STILL_FETCHING, get_status_within

    fast = status.routes["GET /health"]
    release = threading.Event()

    def slow(h):  # held until the caller has stopped waiting, rather than a fixed 1 s sleep
        release.wait(10)
        fast(h)

    status.routes["GET /health"] = slow
    start = time.monotonic()
    first = get_status_within(status.url, 0.2)
    assert time.monotonic() - start < 0.8 and first.error == STILL_FETCHING
    release.set()  # now the background fetch may answer
    for _ in range(50):  # the background fetch lands in the shared cache
        if cached_status(status.url) is not None:
            break
        time.sleep(0.1)
    warm = get_status_within(status.url, 0.2)
    assert warm.available and warm.health_for(A, "local/chat").status == "healthy"
    release.clear()  # the refetch is held in turn
    stale = get_status_within(status.url, 0.2, max_age_s=0)  # too old: fetched again, the old one meanwhile
    assert stale is warm
    release.set()
    assert get_status_within(None, 1).error == NO_STATUS_SERVICE


def test_status_labels_are_the_words_0g_shows(status):
    report = fetch_status(status.url)
    assert report.health_for(A, "local/chat").label == "High availability"
    assert report.health_for(B, "vendor/GLM-5.1-FP8").label == "Limited availability"
    assert report.health_for(B, "x", canonical_id="other").label == "Service degraded"
    assert report.health_for("0x" + "99" * 20, "m").label == "Status unknown"


def test_health_lookups_are_indexed_by_provider():
    """Each lookup scanned every entry: 3,000 lookups in 3,000 entries took ~4 s, a table's worth of cells."""
    providers = ["0x%040x" % (i + 1) for i in range(3000)]
    entries, _notes, _stamp, _error = parse_health({"services": [
        {"provider": p, "model": "m", "status": "healthy"} for p in providers]})
    from og_core.status import StatusReport

    report = StatusReport(base_url="x", entries=entries)
    start = time.perf_counter()
    assert all(report.health_for(p.upper().replace("0X", "0x"), "m").known for p in providers)
    assert time.perf_counter() - start < 1.0
