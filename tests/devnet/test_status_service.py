"""The local network's status service: it really measures the providers (paid chat checks from a wallet of
its own), a flaky provider's uptime drops, a slow provider's p50 is higher, its answers parse with
og_core's parser, its URL is in the ready JSON, and it ends with the network.

Flaky and slow providers are scripted chat servers registered on the chain beside the real brokers: the
status service checks every registered service, as 0G's does.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from og_core.status import clear_status_cache, fetch_status, parse_health
from og_devnet.launch import DevnetHandle, start_devnet
from og_devnet.status.metrics import Check, ServiceRecord, metric, percentile
from og_devnet.status.probe import checkable_url
from tests.support.devnet import client_for
from tests.support.fakes import FakeProvider, send_json, send_sse
from tests.support.rogue import register
from tests.support.tokens import make_token

STATUS_WALLET_KEY = "0x85a74ca11529e215137ccffd9c95b2c72c5fb0295c973eb21032e823329b3d2d"  # hardhat #30 (public)


class ScriptedChat:
    """A chat provider that answers after `delay` seconds and fails every `fail_every`-th request."""

    def __init__(self, model: str, *, delay: float = 0.0, fail_every: int = 0) -> None:
        self.model, self.delay, self.fail_every = model, delay, fail_every
        self.chats = 0
        self.server = FakeProvider()
        self.server.routes["GET /v1/models"] = lambda h: send_json(h, 200, {"data": [{"id": model}]})
        self.server.routes["POST /v1/proxy/chat/completions"] = self._chat

    def _chat(self, h: Any) -> None:
        self.chats += 1
        if self.fail_every and self.chats % self.fail_every == 0:
            send_json(h, 500, {"error": "internal broker error"})
            return
        time.sleep(self.delay)
        events = [b"data: " + json.dumps({"choices": [{"delta": {"content": t}}]}).encode() + b"\n\n"
                  for t in ("4", "2")]
        usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
        events += [b"data: " + json.dumps({"choices": [], "usage": usage}).encode() + b"\n\n", b"data: [DONE]\n\n"]
        send_sse(h, events)


@pytest.fixture(scope="module")
def net() -> Iterator[tuple[DevnetHandle, dict[str, str], dict[str, ScriptedChat]]]:
    handle = start_devnet(port=0, settle_interval=3600, no_limits=True, status_interval=0.5)
    scripted = {"flaky": ScriptedChat("local/flaky-1", fail_every=2),
                "slow": ScriptedChat("local/slow-1", delay=1.0)}
    try:
        addresses = {name: register(handle, s.server.url, model=s.model) for name, s in scripted.items()}
        yield handle, addresses, scripted
    finally:
        handle.stop()
        for s in scripted.values():
            s.server.close()


def _health(handle: DevnetHandle) -> dict[str, Any]:
    return requests.get(handle.info["status_url"] + "/health", timeout=10).json()


def _entry(health: dict[str, Any], model: str, provider: str | None = None) -> dict[str, Any]:
    """The service entry for `model` (at `provider`: several providers serve the same model), or {}."""
    return next((e for e in health["services"] if e["model"] == model
                 and (provider is None or e["provider"] == provider)), {})


def _checks(health: dict[str, Any], what: str, model: str, provider: str | None = None) -> int:
    return _entry(health, model, provider).get("checks", {}).get(what, 0)


def _wait_for(handle: DevnetHandle, enough: Any, timeout: float = 120.0) -> dict[str, Any]:
    """The first /health answer for which `enough(health)` holds."""
    deadline = time.monotonic() + timeout
    while True:
        health = _health(handle)
        if enough(health):
            return health
        assert time.monotonic() < deadline, f"not measured in time: {json.dumps(health)[:6000]}"
        time.sleep(0.5)


def test_the_status_service_measures_flaky_and_slow_providers(net):
    handle, addresses, scripted = net
    real = handle.provider("chat-tee")
    health = _wait_for(handle, lambda h: _checks(h, "total", "local/flaky-1") >= 6
                       and _checks(h, "successful", "local/slow-1") >= 3
                       and _checks(h, "successful", real["model"], real["address"]) >= 3)
    flaky, slow = _entry(health, "local/flaky-1"), _entry(health, "local/slow-1")
    tee = _entry(health, real["model"], real["address"])
    assert health["isMonitoring"] is True
    # every other chat of the flaky provider fails: its rolling uptime is well below 100 %
    assert 0 < flaky["checks"]["successful"] < flaky["checks"]["total"]
    assert flaky["checks"]["uptime"] < 100 and flaky["status"] in ("warning", "critical")
    assert scripted["flaky"].chats >= 6
    # the slow provider answers after 1 s: its p50 is at least that, and above the real broker's
    slow_p50, tee_p50 = slow["performance"]["response_time"]["p50"], tee["performance"]["response_time"]["p50"]
    assert slow_p50 >= 1000 > tee_p50
    assert slow["performance"]["ttft"]["p50"] >= 1000
    # a chatbot has TTFT and tokens/s; a non-chat service only its response time
    assert {"response_time", "ttft", "tokens_per_second"} <= tee["performance"].keys()
    assert tee["status"] == "healthy" and tee["checks"]["uptime"] == 100
    image = _entry(health, "local/zg-paint-1")
    assert image["serviceType"] == "text-to-image" and set(image["performance"]) == {"response_time"}
    assert health["summary"]["totalServices"] == len(health["services"])
    assert addresses["flaky"].lower() == flaky["provider"].lower()


def test_the_catalogues_flaky_and_slow_providers_show_it(net):
    handle, _, _ = net
    flaky, slow, tee = (handle.provider(n) for n in ("chat-flaky", "chat-slow", "chat-tee"))

    health = _wait_for(handle, lambda h: _checks(h, "total", flaky["model"], flaky["address"]) >= 10
                       and _checks(h, "successful", slow["model"], slow["address"]) >= 3)
    flaky_e, slow_e, tee_e = (_entry(health, p["model"], p["address"]) for p in (flaky, slow, tee))
    assert flaky_e["checks"]["failed"] >= 1 and flaky_e["checks"]["uptime"] < 100  # it refuses every 5th
    assert slow_e["performance"]["ttft"]["p50"] > tee_e["performance"]["ttft"]["p50"]
    assert slow_e["performance"]["response_time"]["p50"] > tee_e["performance"]["response_time"]["p50"]


def test_the_checks_are_real_paid_requests_from_the_status_wallet(net):
    handle, _, _ = net
    tee = handle.provider("chat-tee")
    _wait_for(handle, lambda h: _checks(h, "successful", tee["model"], tee["address"]) >= 1)
    wallet = handle.info["status_wallet"]
    answer = requests.get(f"{tee['url']}/v1/user/{wallet}/unsettledfee", timeout=10,
                          headers={"Authorization": make_token(STATUS_WALLET_KEY, tee["address"])}).json()
    assert int(answer["unsettledFee"]) > 0


def test_og_cores_parser_reads_both_answers(net):
    handle, addresses, _ = net
    _wait_for(handle, lambda h: _checks(h, "successful", "local/slow-1") >= 1)
    clear_status_cache()
    report = fetch_status(handle.info["status_url"])
    assert report.available and report.models_error is None and report.notes == ()
    _, notes, stamp, error = parse_health(_health(handle))
    assert error is None and notes == () and stamp
    tee = handle.provider("chat-tee")
    health = report.health_for(tee["address"], tee["model"])
    assert health.matched_by == "model id" and health.known
    assert health.ttft is not None and health.tokens_per_second is not None and health.p50_ms is not None
    assert report.health_for(addresses["slow"], "local/slow-1").p50_ms >= 1000
    assert report.health_for(addresses["flaky"], "local/flaky-1").uptime_pct < 100
    assert [o["id"] for o in report.model_objects(tee["address"])] == [tee["model"]]
    # the app's client on this network reads it through the profile's status URL
    with client_for(handle, status_url=handle.info["status_url"]) as c:
        assert c.health(refresh=True).health_for(tee["address"], tee["model"]).known


def test_a_quiet_network_answers_with_no_checks_and_the_service_ends_with_it():
    handle = start_devnet(port=0, settle_interval=3600, no_limits=True)  # status_interval 0: quiet
    try:
        url, pid = handle.info["status_url"], handle.info["pids"]["status"]
        assert url.startswith("http://127.0.0.1:") and handle.info["status_interval"] == 0
        health = requests.get(url + "/health", timeout=10).json()
        assert health["isMonitoring"] is False and health["services"] == []
        assert requests.get(url + "/models", timeout=10).json()["data"] == []
        os.kill(pid, 0)  # alive
    finally:
        handle.stop()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the status service outlived its network")
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/health", timeout=5)


def test_rolling_metrics_and_status_thresholds():
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0 and percentile([5.0], 99) == 5.0
    assert metric([None, None], "ms") is None
    m = metric([float(v) for v in range(1, 101)], "ms")
    assert (m["p50"], m["p90"], m["p99"], m["min"], m["max"], m["samples"]) == (50, 90, 99, 1, 100, 100)
    record = ServiceRecord("0xabc", "m", "chatbot")
    for ok in (True,) * 19 + (False,):
        record.add(Check(ok=ok, at=0.0, response_ms=10.0))
    assert record.uptime == 95.0 and record.status == "warning"  # the last check failed
    record.add(Check(ok=True, at=1.0, response_ms=10.0))
    assert record.status == "healthy"
    for _ in range(3):
        record.add(Check(ok=False, at=2.0))
    assert record.status == "critical"  # three failures in a row


@pytest.mark.parametrize("url", ["http://169.254.169.254/", "http://example.com", "http://127.0.0.1:99999/",
                                 "http://[::1", "http://127.0.0.1:1/bad space", "ftp://127.0.0.1/", ""])
def test_only_loopback_providers_are_checked(url):
    assert checkable_url(url) is None


def test_loopback_providers_are_checked():
    assert checkable_url("http://127.0.0.1:8546/") == "http://127.0.0.1:8546"
    assert checkable_url("http://localhost:9") == "http://localhost:9"
