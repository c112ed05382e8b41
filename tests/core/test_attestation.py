"""The attestation step log against fake providers: a consistent dstack report passes; every broken part
fails with a step that says which; the reports are kept byte for byte."""

from __future__ import annotations

import base64
import hashlib
import json

import httpx
import pytest

from og_core.attestation import (
    attest,
    compose_check,
    images_in,
    report_data_signer,
)
from og_core.safety import UrlGuard
from tests.support.fakes import FakeProvider, Flood, send_json, service

SIGNER = "0x" + "11" * 20
TARGET = "0x" + "22" * 20
COMPOSE = json.dumps({"manifest_version": 2, "name": "broker", "runner": "docker-compose",
                      "docker_compose_file": "services:\n  broker:\n    image: ghcr.io/0gfoundation/0g-serving-broker:1.2\n"
                                             "  llm:\n    image: vllm/vllm-openai@sha256:abc\n"})


def dstack_report(signer: str = SIGNER, *, compose: str = COMPOSE, event_hash: str | None = None,
                  event_log_as_text: bool = True) -> dict:
    digest = event_hash or hashlib.sha256(compose.encode()).hexdigest()
    events = [{"imr": 3, "event_type": 134217729, "digest": "00", "event": "app-id", "event_payload": "ab"},
              {"imr": 3, "event_type": 134217729, "digest": "00", "event": "compose-hash", "event_payload": digest}]
    tcb = {"mrtd": "00", "compose_hash": digest, "app_compose": compose, "event_log": events}
    data = signer.encode().ljust(64, b"\x00")
    return {"quote": "04000200", "event_log": json.dumps(events) if event_log_as_text else events,
            "report_data": base64.b64encode(data).decode(), "vm_config": "{}", "tcb_info": json.dumps(tcb)}


def llm_report(signer: str = TARGET, **kw) -> dict:
    inner = dstack_report(signer, **kw)
    return {"signing_address": signer, "signing_algo": "ecdsa", "request_nonce": "00" * 32,
            "intel_quote": inner["quote"], "event_log": inner["event_log"],
            "info": {"tcb_info": json.loads(inner["tcb_info"])}}


@pytest.fixture
def provider():
    server = FakeProvider()
    yield server
    server.close()


def run(provider, report=None, *, info=None, route=None, llm=None, **kw):
    if route is not None:
        provider.routes["GET /v1/quote"] = route
    elif report is not None:
        provider.routes["GET /v1/quote"] = lambda h: send_json(h, 200, report)
    if llm is not None:
        provider.routes["GET /v1/proxy/attestation/report"] = llm
    info = info if info is not None else {"TEEVerifier": "dstack", "VerifierURL": "https://example.invalid/v"}
    steps = []
    with httpx.Client() as http:
        log = attest(service(provider.url, signer=SIGNER, info=info, **kw), http=http,
                     url_guard=UrlGuard(local=True), on_step=steps.append)
    assert list(log.steps) == steps  # every step is passed on as it happens
    assert log.steps[-1].message == log.summary
    return log


def errors(log) -> list[str]:
    return [s.message for s in log.steps if s.kind == "error"]


def test_a_consistent_dstack_report_passes(provider):
    log = run(provider, dstack_report())
    assert log.passed and log.outcome == "passed", log.steps
    assert errors(log) == []
    assert log.reports_needed == 1 and [r.key for r in log.reports] == ["combined"]
    assert [(c.found, c.match) for c in log.signer_checks] == [(SIGNER, True)]
    assert [c.match for c in log.compose_checks] == [True]
    assert log.images == ("ghcr.io/0gfoundation/0g-serving-broker:1.2", "vllm/vllm-openai@sha256:abc")
    assert any("(0G broker)" in s.message for s in log.steps)
    assert log.summary.startswith("Attestation passed: signer 1/1 match, compose hash 1/1 match")
    assert any("dstack-verifier" in s.message for s in log.steps)  # says what it did not check


def test_reports_are_kept_exactly_as_received(provider):
    body = b'{ "report_data" :  ' + json.dumps(dstack_report()["report_data"]).encode() + b', "x": 1 }\n'

    def route(h):
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    log = run(provider, route=route)
    assert [r.raw for r in log.downloads] == [body]
    assert log.downloads[0].file_name == "attestation_report.json"
    assert not log.passed and "no tcb_info" in " ".join(errors(log))


def test_a_wrong_signer_fails(provider):
    log = run(provider, dstack_report("0x" + "99" * 20))
    assert log.outcome == "failed" and not log.passed
    assert any("MISMATCH" in e and "0x" + "99" * 20 in e for e in errors(log))
    assert "the signer does not match" in log.summary
    assert any("TS SDK would call this a success" in s.message for s in log.steps)


def test_a_wrong_compose_hash_fails(provider):
    log = run(provider, dstack_report(event_hash="ab" * 32))
    assert log.outcome == "failed" and "compose hash does not match" in log.summary
    assert any("compose hash MISMATCH" in e and "ab" * 32 in e for e in errors(log))
    assert [c.match for c in log.signer_checks] == [True]


def test_a_missing_report_fails(provider):
    log = run(provider, route=lambda h: send_json(h, 404, {"error": "not found"}))
    assert log.outcome == "failed" and "1 of 1 reports could not be used" in log.summary
    assert any("could not be used: HTTP 404" in e for e in errors(log))
    assert log.signer_checks == () and log.compose_checks == ()


def test_garbage_json_fails_but_the_bytes_are_still_downloadable(provider):
    def route(h):
        h.send_response(200)
        h.send_header("Content-Length", "9")
        h.end_headers()
        h.wfile.write(b"{garbage!")

    log = run(provider, route=route)
    assert log.outcome == "failed" and any("not valid JSON" in e for e in errors(log))
    assert [r.raw for r in log.downloads] == [b"{garbage!"]


@pytest.mark.parametrize("mutate,words", [
    (lambda r: r.pop("report_data"), "holds no signer address"),
    (lambda r: r.update(report_data="not base64!!"), "holds no signer address"),
    (lambda r: r.update(report_data=base64.b64encode(b"hello").decode()), "holds no signer address"),
    (lambda r: r.update(tcb_info="{not json"), "no tcb_info"),
    (lambda r: r.update(tcb_info=json.dumps({"mrtd": "0"})), "no app_compose"),
    (lambda r: (r.pop("event_log"), r.update(tcb_info=json.dumps({"app_compose": "x"}))), "no event log"),
    (lambda r: r.update(event_log="[]"), "no compose-hash event"),
])
def test_each_broken_part_fails_with_a_clear_step(provider, mutate, words):
    report = dstack_report()
    mutate(report)
    log = run(provider, report)
    assert log.outcome == "failed", log.steps
    assert any(words in e for e in errors(log)), errors(log)
    compose_broken = words.startswith("no ")
    assert ("compose hash could not be checked" in log.summary) == compose_broken, log.summary


def test_json_list_and_huge_reports_fail(provider):
    assert "not an object" in " ".join(errors(run(provider, [1, 2])))
    log = run(provider, route=Flood(40 * 1024 * 1024))
    assert any("unreasonably large" in e for e in errors(log))


def test_separated_tees_need_both_reports(provider):
    info = {"TEEVerifier": "dstack", "TargetSeparated": True, "TargetTeeAddress": TARGET, "VerifierURL": "v"}
    ok = run(provider, dstack_report(), info=info, llm=lambda h: send_json(h, 200, llm_report()))
    assert ok.passed, ok.steps
    assert [r.key for r in ok.reports] == ["broker", "llm"] and ok.reports_needed == 2
    assert [(c.report, c.match) for c in ok.signer_checks] == [("broker", True), ("llm", True)]
    assert [c.report for c in ok.compose_checks] == ["broker", "llm"]
    asked = [path for method, path, *_ in provider.requests if "attestation" in path]
    assert asked == ["/v1/proxy/attestation/report?model=local%2Ftest-model"]
    assert [r.file_name for r in ok.downloads] == ["broker_attestation_report.json", "llm_attestation_report.json"]

    missing = run(provider, dstack_report(), info=info, llm=lambda h: send_json(h, 502, {"error": "down"}))
    assert missing.outcome == "failed" and any("LLM attestation report could not be used" in e
                                               for e in errors(missing))
    wrong = run(provider, dstack_report(), info=info, llm=lambda h: send_json(h, 200, llm_report("0x" + "33" * 20)))
    assert wrong.outcome == "failed" and any("does NOT match the TargetTeeAddress" in e for e in errors(wrong))


def test_a_centralized_forwarder_has_one_broker_report(provider):
    info = {"TEEVerifier": "dstack", "TargetSeparated": True, "ProviderType": "centralized",
            "ProviderIdentity": "openai"}
    log = run(provider, dstack_report(), info=info)
    assert log.passed and [r.key for r in log.reports] == ["broker"]
    assert any("openai" in s.message for s in log.steps)
    assert any(s.kind == "warning" and "VerifierURL" in s.message for s in log.steps)


def test_cryptopilot_is_never_called_passed(provider):
    log = run(provider, dstack_report(), info={"TEEVerifier": "cryptopilot"})
    assert log.outcome == "incomplete" and not log.passed and "TS SDK reports success" in log.summary


def test_a_simulated_report_is_flagged(provider):
    log = run(provider, dict(dstack_report(), simulated=True))
    assert log.passed and any(s.kind == "warning" and "simulated" in s.message for s in log.steps)


def test_no_or_bad_additional_info_fails_at_step_one(provider):
    with httpx.Client() as http:
        bad = service(provider.url)
        from dataclasses import replace

        bad = replace(bad, additional_info=None, additional_info_raw="{x", additional_info_error="not JSON")
        log = attest(bad, http=http, url_guard=UrlGuard(local=True))
        assert log.outcome == "failed" and "additionalInfo cannot be read" in log.summary and log.reports == ()
        empty = replace(bad, additional_info={}, additional_info_raw="")
        assert attest(empty, http=http, url_guard=UrlGuard(local=True)).outcome == "failed"
        standard = replace(bad, verifiability="standard", additional_info={"ProviderType": "standard"},
                           additional_info_raw='{"ProviderType":"standard"}')
        assert attest(standard, http=http, url_guard=UrlGuard(local=True)).outcome == "not_applicable"
    assert provider.requests == []


def test_an_unreachable_or_unsafe_provider_fails_without_raising(provider):
    with httpx.Client() as http:
        log = attest(service(provider.url, info={"TEEVerifier": "dstack"}), http=http,
                     url_guard=UrlGuard(local=False))
    assert log.outcome == "failed" and any("private or local" in e for e in errors(log))


def test_pure_helpers():
    assert report_data_signer(base64.b64encode(SIGNER.encode().ljust(64, b"\0")).decode()) == SIGNER
    assert report_data_signer(base64.b64encode(bytes.fromhex("11" * 20)).decode()) == SIGNER
    assert report_data_signer(5) is None
    check = compose_check("combined", {"tcb_info": {"app_compose": "x"}, "event_log": [
        {"event": "compose-hash", "event_payload": "0x" + hashlib.sha256(b"x").hexdigest().upper()}]})
    assert check.match
    assert images_in({"info": {"tcb_info": {"app_compose": 'services: {a: {"image": "img:1"}}'}}}) == ["img:1"]
    assert images_in({}) == []


def test_a_separated_tee_without_target_address_cannot_pass(provider):
    info = {"TEEVerifier": "dstack", "TargetSeparated": True, "VerifierURL": "v"}
    log = run(provider, dstack_report(), info=info, llm=lambda h: send_json(h, 200, llm_report()))
    assert log.outcome == "failed" and any("TargetTeeAddress" in e for e in errors(log))
