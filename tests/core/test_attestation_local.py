"""The attestation step log through og_core against the local network: a local TEE provider's simulated
dstack report passes every automated check (and says it is simulated); rogue providers registered on the
chain, each serving a genuine local report with one part broken, fail exactly that check.

Its own local network: it registers extra services.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from og_devnet.launch import DevnetHandle, start_devnet
from tests.support.devnet import client_for
from tests.support.fakes import FakeProvider, send_json
from tests.support.rogue import register

pytestmark = pytest.mark.devnet  # starts a network of its own
DSTACK = json.dumps({"TEEVerifier": "dstack", "TargetSeparated": False})


@pytest.fixture(scope="module")
def net() -> Iterator[DevnetHandle]:
    handle = start_devnet(port=0, settle_interval=3600, no_limits=True)
    try:
        yield handle
    finally:
        handle.stop()


def genuine(handle: DevnetHandle) -> dict[str, Any]:
    return httpx.get(handle.provider("chat-tee")["url"] + "/v1/quote", timeout=10).json()


def test_a_local_tee_provider_passes_every_automated_check(net):
    tee = net.provider("chat-tee")
    seen = []
    with client_for(net) as c:
        log = c.attest(tee["address"], on_step=seen.append)
    assert log.outcome == "passed", [s.message for s in log.steps]
    assert list(log.steps) == seen and [s for s in log.steps if s.kind == "error"] == []
    assert [(ch.found, ch.expected, ch.match) for ch in log.signer_checks] == [(tee["tee_signer"], tee["tee_signer"],
                                                                                True)]
    assert [ch.match for ch in log.compose_checks] == [True]
    assert log.images == ("og-devnet/0g-serving-broker-simulated:local", "og-devnet/chat-engine:local")
    assert any("(0G broker)" in s.message for s in log.steps)
    assert any(s.kind == "warning" and "simulated" in s.message for s in log.steps)  # never passed off as real
    raw = httpx.get(tee["url"] + "/v1/quote", timeout=10).content
    assert [r.raw for r in log.downloads] == [raw]  # byte for byte
    # the report is consistent in itself: the same hash in tcb_info, the event log and its compose_hash
    report = json.loads(raw)
    tcb = json.loads(report["tcb_info"])
    composed = hashlib.sha256(tcb["app_compose"].encode()).hexdigest()
    assert tcb["compose_hash"] == composed
    assert [e["event_payload"] for e in json.loads(report["event_log"]) if e["event"] == "compose-hash"] == [composed]
    assert report["simulated"] is True and "SIMULATED" in report["warning"]
    assert bytes.fromhex(report["quote"]).startswith(b"SIMULATED TDX QUOTE")


def _with_signer(report: dict[str, Any], signer: str) -> dict[str, Any]:
    import base64

    return dict(report, report_data=base64.b64encode(signer.encode().ljust(64, b"\0")).decode())


def _tampered_compose(report: dict[str, Any]) -> dict[str, Any]:
    tcb = json.loads(report["tcb_info"])
    tcb["app_compose"] = tcb["app_compose"].replace("chat-engine", "exfiltrator")
    return dict(report, tcb_info=json.dumps(tcb))


def _without_compose_event(report: dict[str, Any]) -> dict[str, Any]:
    events = [e for e in json.loads(report["event_log"]) if e["event"] != "compose-hash"]
    tcb = json.loads(report["tcb_info"])
    tcb["event_log"] = events
    return dict(report, event_log=json.dumps(events), tcb_info=json.dumps(tcb))


def _without_tcb_info(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "tcb_info"}


# rogue → (what it does to a genuine local report, given its own on-chain signer; the failing words)
ROGUES: dict[str, tuple[Callable[[dict[str, Any], str], Any], str]] = {
    "replayed": (lambda r, signer: r, "MISMATCH"),  # chat-tee's report as is: another TEE's signer
    "compose": (lambda r, signer: _tampered_compose(_with_signer(r, signer)), "compose hash MISMATCH"),
    "no-compose-event": (lambda r, signer: _without_compose_event(_with_signer(r, signer)),
                         "no compose-hash event"),
    "no-tcb-info": (lambda r, signer: _without_tcb_info(_with_signer(r, signer)), "it has no tcb_info"),
    "no-signer": (lambda r, signer: dict(r, report_data="AAAA"), "holds no signer address"),
    "not-json": (lambda r, signer: None, "not valid JSON"),
    "missing": (lambda r, signer: 404, "could not be used: HTTP 404"),
}


@pytest.fixture(scope="module")
def rogues(net) -> Iterator[dict[str, str]]:
    servers, addresses = [], {}
    report = genuine(net)
    for name, (mutate, _) in ROGUES.items():
        server = FakeProvider()
        servers.append(server)
        box: dict[str, Any] = {}

        def route(h, box=box) -> None:
            body = box["body"]
            if body is None:
                h.send_response(200)
                h.send_header("Content-Length", "9")
                h.end_headers()
                h.wfile.write(b"<html>no!")
            elif body == 404:
                send_json(h, 404, {"error": "not found"})
            else:
                send_json(h, 200, body)

        server.routes["GET /v1/quote"] = route
        addresses[name] = address = register(net, server.url, model=f"rogue/{name}", info=DSTACK)
        box["body"] = mutate(copy.deepcopy(report), address)  # register() makes the owner its TEE signer
    try:
        yield addresses
    finally:
        for server in servers:
            server.close()


@pytest.mark.parametrize("name", list(ROGUES))
def test_a_rogue_provider_fails_the_check_it_breaks(net, rogues, name):
    with client_for(net) as c:
        log = c.attest(rogues[name])
    errors = [s.message for s in log.steps if s.kind == "error"]
    assert log.outcome == "failed" and not log.passed, [s.message for s in log.steps]
    assert log.summary.startswith("Attestation FAILED")
    words = ROGUES[name][1]
    assert any(words in e for e in errors), errors
    if name in ("compose", "no-compose-event", "no-tcb-info"):  # only that check fails: the signer still matches
        assert [ch.match for ch in log.signer_checks] == [True]
    if name == "replayed":  # a genuine report, replayed by another provider: its compose hash is fine
        assert [ch.match for ch in log.compose_checks] == [True] and [ch.match for ch in log.signer_checks] == [False]
