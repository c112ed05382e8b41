"""A provider's TEE attestation, checked step by step and written as a log a user can follow.

The steps of 0G's own verifier (docs/protocol.md, "attestation"): read the service; its configuration
(verifier, architecture, how many reports); fetch the reports (`/v1/quote`, and for a model in a separate
TEE `/v1/proxy/attestation/report?model=`), each kept byte for byte for download; the signer in each
report's report_data against the on-chain signer; the dstack compose hash (sha256 of tcb_info.app_compose
against the compose-hash event); the images. Unlike 0G's TS SDK — which returns success whenever nothing
threw — the result here is "passed" only when every check ran and passed.

What is not checked here: the TDX quote's signature and TCB status, and the event-log replay (dstack-verifier
does those; the log says how).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import httpx

from og_core.discovery import provider_base
from og_core.errors import OgError
from og_core.http_get import bounded_get, failure_words
from og_core.provider_errors import provider_error
from og_core.safety import UrlGuard
from og_core.service import ServiceInfo

REPORT_TIMEOUT_S = 15.0
MAX_REPORT_BYTES = 5 * 1024 * 1024  # an LLM report carries GPU evidence; still bounded

StepKind = Literal["info", "success", "warning", "error"]
Outcome = Literal["passed", "failed", "incomplete", "not_applicable"]

REPORT_FILES = {  # key → (title, download file name), as 0G's tools name them
    "broker": ("Broker attestation report", "broker_attestation_report.json"),
    "llm": ("LLM attestation report", "llm_attestation_report.json"),
    "combined": ("Combined attestation report", "attestation_report.json"),
}


@dataclass(frozen=True)
class Step:
    kind: StepKind
    message: str


@dataclass(frozen=True)
class Report:
    """One attestation report, `raw` exactly as received (None when it could not be fetched)."""

    key: str  # broker | llm | combined
    url: str
    raw: bytes | None = None
    data: dict[str, Any] | None = None  # parsed, when it is a JSON object
    error: str | None = None

    @property
    def title(self) -> str:
        return REPORT_FILES[self.key][0]

    @property
    def noun(self) -> str:
        """The title mid-sentence: "broker attestation report", "LLM attestation report"."""
        return self.title if self.key == "llm" else self.title.lower()

    @property
    def file_name(self) -> str:
        return REPORT_FILES[self.key][1]


@dataclass(frozen=True)
class SignerCheck:
    report: str
    found: str | None  # the address in report_data (None when there is none)
    expected: str
    match: bool


@dataclass(frozen=True)
class ComposeCheck:
    report: str
    calculated: str | None  # sha256 hex of tcb_info.app_compose
    event: str | None  # the compose-hash event's payload
    error: str | None = None

    @property
    def match(self) -> bool:
        return self.error is None and self.calculated is not None and self.calculated == self.event


@dataclass(frozen=True)
class AttestationLog:
    provider: str
    outcome: Outcome
    summary: str  # one sentence for the top of the log
    steps: tuple[Step, ...]
    reports: tuple[Report, ...] = ()
    tee_verifier: str = ""
    target_separated: bool = False
    verifier_url: str = ""
    reports_needed: int = 0
    signer_checks: tuple[SignerCheck, ...] = ()
    compose_checks: tuple[ComposeCheck, ...] = ()
    images: tuple[str, ...] = ()
    checked_at: float = field(default_factory=time.time)

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    @property
    def downloads(self) -> list[Report]:
        """The reports that arrived, to offer for download exactly as received."""
        return [r for r in self.reports if r.raw is not None]


# --------------------------------------------------------------------------- pure checks


def report_data_signer(report_data: Any) -> str | None:
    """The signer address in a dstack report_data: base64 of the ASCII `0x…` address, NUL-padded to 64
    bytes (or, in older reports, 20 raw address bytes). None when it holds no address."""
    if not isinstance(report_data, str):
        return None
    try:
        raw = base64.b64decode(report_data, validate=True)
    except ValueError:
        return None
    raw = raw.rstrip(b"\x00")
    if len(raw) == 20:
        return "0x" + raw.hex()
    try:
        text = raw.replace(b"\x00", b"").decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    text = text if text.lower().startswith("0x") else "0x" + text
    return text if re.fullmatch(r"0x[0-9a-fA-F]{40}", text) else None


def _json_field(value: Any) -> Any:
    """Report fields are often JSON text inside JSON; decode one level when they are."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def compose_check(key: str, report: Mapping[str, Any]) -> ComposeCheck:
    """sha256(tcb_info.app_compose) against the `compose-hash` event's payload."""
    tcb = _json_field(report.get("tcb_info"))
    info = report.get("info")
    if tcb is None and isinstance(info, Mapping):
        tcb = _json_field(info.get("tcb_info"))
    if not isinstance(tcb, Mapping):
        return ComposeCheck(key, None, None, "it has no tcb_info")
    compose = tcb.get("app_compose")
    if not isinstance(compose, str):
        return ComposeCheck(key, None, None, "its tcb_info has no app_compose")
    calculated = hashlib.sha256(compose.encode()).hexdigest()
    events = _json_field(report.get("event_log"))
    if events is None:
        events = _json_field(tcb.get("event_log"))
    if not isinstance(events, list):
        return ComposeCheck(key, calculated, None, "it has no event log")
    payloads = [e.get("event_payload") for e in events if isinstance(e, Mapping) and e.get("event") == "compose-hash"]
    if not payloads or not isinstance(payloads[0], str):
        return ComposeCheck(key, calculated, None, "its event log has no compose-hash event")
    return ComposeCheck(key, calculated, payloads[0].lower().removeprefix("0x"))


_IMAGE_PATTERNS = (re.compile(r'"image"\s*:\s*"([^"\\]+)"'), re.compile(r'image:\s*([^\s"\\,}]+)'))


def images_in(report: Mapping[str, Any]) -> list[str]:
    """Container images named in the report's tcb_info (its compose file), de-duplicated, in order."""
    tcb = report.get("tcb_info")
    info = report.get("info")
    if tcb is None and isinstance(info, Mapping):
        tcb = info.get("tcb_info")
    if tcb is None:
        return []
    text = tcb if isinstance(tcb, str) else json.dumps(tcb)
    text = text.replace('\\"', '"')
    found: list[str] = []
    for pattern in _IMAGE_PATTERNS:
        for match in pattern.finditer(text):
            image = match.group(1).strip("'")
            if image and image not in found:
                found.append(image)
    return found


# --------------------------------------------------------------------------- the log


class _Log:
    def __init__(self, on_step: Callable[[Step], None] | None) -> None:
        self.steps: list[Step] = []
        self._on_step = on_step

    def __call__(self, kind: StepKind, message: str) -> None:
        step = Step(kind, message)
        self.steps.append(step)
        if self._on_step is not None:
            try:
                self._on_step(step)
            except Exception:  # a page's callback must not break the check
                pass


def _fetch(key: str, url: str, http: httpx.Client, guard: UrlGuard, timeout_s: float) -> Report:
    try:
        status, raw = bounded_get(http, url, timeout_s=timeout_s, cap=MAX_REPORT_BYTES, guard=guard)
    except (OgError, httpx.HTTPError) as exc:
        return Report(key, url, error=failure_words(exc, large="it is unreasonably large",
                                                    late=f"the provider did not send it within {timeout_s:g} s",
                                                    unreachable="the provider cannot be reached ({})"))
    if status != 200:
        said = provider_error(status, raw).message.rstrip(".")
        return Report(key, url, raw=raw, error=f"HTTP {status}: {said[:1].lower()}{said[1:]}")
    try:
        data = json.loads(raw)
    except ValueError:
        return Report(key, url, raw=raw, error="it is not valid JSON")
    if not isinstance(data, dict):
        return Report(key, url, raw=raw, error="it is JSON but not an object")
    return Report(key, url, raw=raw, data=data)


def attest(service: ServiceInfo, *, http: httpx.Client, url_guard: UrlGuard,
           on_step: Callable[[Step], None] | None = None, timeout_s: float = REPORT_TIMEOUT_S) -> AttestationLog:
    """Run the checks against `service`'s provider, logging each step (and passing it to `on_step` as it
    happens). Never raises for anything the provider sends."""
    log = _Log(on_step)
    provider = service.provider

    def done(outcome: Outcome, summary: str, **kw: Any) -> AttestationLog:
        log("success" if outcome == "passed" else "error" if outcome == "failed" else "warning", summary)
        return AttestationLog(provider, outcome, summary, tuple(log.steps), **kw)

    # Step 1: the service
    log("info", f"Step 1 — service read from the contract: {service.model} at {provider}, URL {service.url}, "
                f"verifiability {service.verifiability or 'none'}.")
    info = service.additional_info
    if info is None:
        return done("failed", f"The service's additionalInfo cannot be read ({service.additional_info_error or 'invalid'}),"
                              " so its TEE configuration is unknown: attestation failed.")
    if not service.additional_info_raw.strip():
        return done("failed", "The service publishes no additionalInfo, so its TEE configuration is unknown: "
                              "attestation failed.")
    provider_type = info.get("ProviderType") or "decentralized"
    if service.verifiability.lower() == "standard" or provider_type == "standard":
        return done("not_applicable", "This is a standard provider (a plain forwarder): it runs in no TEE and "
                                      "signs nothing, so there is nothing to attest.")

    # Step 2: configuration
    verifier = info.get("TEEVerifier") or "dstack"
    verifier = verifier if isinstance(verifier, str) else str(verifier)
    verifier_url = info.get("VerifierURL") if isinstance(info.get("VerifierURL"), str) else ""
    separated = service.target_separated
    centralized = provider_type == "centralized"
    image, digest = info.get("ImageName"), info.get("ImageDigest")
    log("info", f"Step 2 — configuration: TEE verifier {verifier}"
                + (f", image {image}" if isinstance(image, str) and image else "")
                + (f" ({digest})" if isinstance(digest, str) and digest else "") + ".")
    if verifier == "dstack":
        log("info", "Method: Intel TDX (dstack) — the quote, the compose hash and the images.")
        if not verifier_url:
            log("warning", "The service gives no VerifierURL (where its verifier image comes from).")
    elif verifier == "cryptopilot":
        log("info", "Method: cryptopilot — see the 0g-tapp-verifier README; its checks are not automated here.")
    else:
        log("warning", f"The TEE verifier “{verifier[:40]}” is unknown; the dstack checks are tried.")
    if separated and centralized:
        keys = ["broker"]
        log("info", "Architecture: a centralized forwarder — one report, the broker's (the model is run by "
                    f"{info.get('ProviderIdentity') or 'an outside provider'}, outside any TEE).")
    elif separated:
        keys = ["broker", "llm"]
        log("info", "Architecture: the broker and the model run in separate TEEs — two reports.")
    else:
        keys = ["combined"]
        log("info", "Architecture: broker and model in one TEE — one combined report.")
    if provider_type not in ("decentralized", "centralized"):
        log("warning", f"Provider type “{str(provider_type)[:40]}” is unknown; treated as decentralized.")

    # Step 3: reports
    base = provider_base(service.url)
    urls = {"broker": f"{base}/v1/quote", "combined": f"{base}/v1/quote",
            "llm": f"{base}/v1/proxy/attestation/report?model={quote(service.model, safe='')}"}
    reports = []
    for key in keys:
        report = _fetch(key, urls[key], http, url_guard, timeout_s)
        reports.append(report)
        if report.error:
            log("error", f"Step 3 — the {report.noun} could not be used: {report.error}.")
        else:
            log("success", f"Step 3 — {report.title} downloaded ({len(report.raw or b''):,} bytes, kept exactly "
                           f"as received as {report.file_name}).")
            if report.data and report.data.get("simulated"):
                log("warning", f"The {report.noun} says it is simulated: it proves nothing about real "
                               "hardware.")
    common: dict[str, Any] = {"reports": tuple(reports), "tee_verifier": verifier, "target_separated": separated,
                              "verifier_url": verifier_url, "reports_needed": len(keys)}
    usable = [(r, r.data) for r in reports if r.data is not None]
    if verifier == "cryptopilot":
        return done("incomplete", "Reports downloaded; cryptopilot reports are not checked automatically, so "
                                  "nothing is confirmed (0G's TS SDK reports success here).", **common)

    # Step 4: signer in report_data vs on-chain (the LLM report's signer is checked against TargetTeeAddress)
    signer_checks = []
    for report, data in usable:
        if report.key == "llm":
            found = data.get("signing_address")
            expected = service.signing_address
            if not expected:
                log("error", f"Step 4 — {service.signing_address_error or 'The model TEE has no known signer.'} "
                             "The LLM report's signer cannot be compared.")
                signer_checks.append(SignerCheck("llm", found if isinstance(found, str) else None, "", False))
            elif isinstance(found, str):
                ok = found.lower() == expected.lower()
                log("success" if ok else "error",
                    f"Step 4 — the LLM report's signing address {found} "
                    f"{'matches' if ok else 'does NOT match'} the TargetTeeAddress {expected}.")
                signer_checks.append(SignerCheck("llm", found, expected, ok))
            continue
        found = report_data_signer(data.get("report_data"))
        expected = service.tee_signer
        ok = found is not None and bool(expected) and found.lower() == expected.lower()
        signer_checks.append(SignerCheck(report.key, found, expected, ok))
        if found is None:
            log("error", f"Step 4 — the {report.noun}'s report_data holds no signer address.")
        else:
            log("success" if ok else "error",
                f"Step 4 — signer in report_data {found}: {'MATCH' if ok else 'MISMATCH'} with the on-chain "
                f"signer {expected or '(none)'}.")
    if usable and not service.tee_signer_acknowledged:
        log("warning", "The network owner has not acknowledged this service's signer yet.")

    # Step 5: compose hash, per report
    compose_checks = []
    images: list[str] = []
    for report, data in usable:
        check = compose_check(report.key, data)
        compose_checks.append(check)
        if check.error:
            log("error", f"Step 5 — compose hash of the {report.noun} cannot be checked: {check.error}.")
        elif check.match:
            log("success", f"Step 5 — compose hash of the {report.noun} matches the event log "
                           f"({check.calculated}).")
        else:
            log("error", f"Step 5 — compose hash MISMATCH in the {report.noun}: sha256 of app_compose is "
                         f"{check.calculated}, the compose-hash event says {check.event}.")
        images += [i for i in images_in(data) if i not in images]

    # Step 6: images, and what is left to do by hand
    if images:
        tagged = [f"{i} (0G broker)" if "broker" in i or "0g-serving" in i else i for i in images]
        log("info", "Step 6 — images in the attested compose file: " + ", ".join(tagged) + ". Compare a broker "
                    "image's digest with the 0g-serving-broker releases and its provenance on search.sigstore.dev.")
    elif usable:
        log("warning", "Step 6 — no container images are named in the reports.")
    log("info", "Not checked here: the TDX quote's signature and TCB status and the event-log replay — run "
                "dstack-verifier (docker.io/dstacktee/dstack-verifier) and POST each downloaded report to its "
                "/verify.")
    kw = dict(common, signer_checks=tuple(signer_checks), compose_checks=tuple(compose_checks),
              images=tuple(images))
    missing = [r for r in reports if r.data is None]
    failed_signers = [c for c in signer_checks if not c.match]
    failed_compose = [c for c in compose_checks if not c.match]
    if missing or failed_signers or failed_compose or not signer_checks:
        problems = []
        if missing:
            problems.append(f"{len(missing)} of {len(reports)} reports could not be used")
        if failed_signers:
            problems.append("the signer does not match")
        elif not signer_checks:
            problems.append("no signer could be compared")
        if any(c.error is None for c in failed_compose):
            problems.append("the compose hash does not match")
        if any(c.error is not None for c in failed_compose):
            problems.append("the compose hash could not be checked")
        if not missing:
            log("warning", "0G's TS SDK would call this a success (it fails only when something throws); "
                           "here a failed check fails the attestation.")
        return done("failed", "Attestation FAILED: " + ", ".join(problems) + ".", **kw)
    matches = sum(c.match for c in signer_checks)
    return done("passed", f"Attestation passed: signer {matches}/{len(signer_checks)} match, compose hash "
                          f"{len(compose_checks)}/{len(compose_checks)} match (the quote's hardware signature is "
                          "checked by dstack-verifier, not here).", **kw)
