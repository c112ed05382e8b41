"""0G's compute-status service: each provider's health, uptime and response times, per (provider, model).

`GET {base}/health` and `GET {base}/models` (docs/protocol.md, "status service"), fetched side by side,
each within STATUS_TIMEOUT_S and MAX_STATUS_BYTES, cached per base URL for STATUS_TTL_S and shared by every
session of the process. Anything that goes wrong — no status service, down, slow, huge, not JSON — means
"health unknown" (a report with `error` set), never an exception: health is a hint, not a requirement.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from og_core.bodies import MAX_JSON_BYTES
from og_core.errors import OgError
from og_core.http_get import bounded_get, failure_words
from og_core.safety import DeadlineBackend, install_backend

MAINNET_CHAIN_ID = 16661
MAINNET_STATUS_URL = "https://compute-status.0g.ai"
TESTNET_STATUS_URL = "https://compute-status-testnet.0g.ai"
STATUS_TIMEOUT_S = 10.0
STATUS_TTL_S = 60.0
MAX_STATUS_BYTES = MAX_JSON_BYTES  # /models aggregates every provider's model objects

HealthStatus = Literal["healthy", "warning", "critical", "unknown"]
_STATUSES = ("healthy", "warning", "critical")
# The words 0G's web UI shows for each status.
STATUS_LABELS: dict[str, str] = {"healthy": "High availability", "warning": "Limited availability",
                                 "critical": "Service degraded", "unknown": "Status unknown"}


def status_base_url(chain_id: int, *, local: bool = False, local_url: str | None = None) -> str | None:
    """Mainnet (16661) → compute-status.0g.ai; every other public chain id → the testnet service,
    as 0G's SDKs choose. On the local network: the URL its profile gives, or None (no status service)."""
    if local:
        return local_url.rstrip("/") if local_url else None
    return MAINNET_STATUS_URL if chain_id == MAINNET_CHAIN_ID else TESTNET_STATUS_URL


# --------------------------------------------------------------------------- typed results


@dataclass(frozen=True)
class Metric:
    """One measured quantity (response time, TTFT, tokens/s) over the service's samples."""

    unit: str
    avg: float | None = None
    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    p99: float | None = None
    min: float | None = None
    max: float | None = None
    samples: int | None = None


@dataclass(frozen=True)
class ModelHealth:
    """The status service's view of one (provider, model). status "unknown" when it has no entry."""

    provider: str  # as the status service wrote it
    model: str
    status: HealthStatus
    service_type: str = ""
    uptime_pct: float | None = None  # 0–100
    checks_total: int | None = None
    checks_failed: int | None = None
    response_time: Metric | None = None  # milliseconds unless `unit` says otherwise
    ttft: Metric | None = None
    tokens_per_second: Metric | None = None
    last_check: str | None = None  # ISO-8601, as sent
    matched_by: str = ""  # "model id" | "canonical id" | "only model" | "" (no match)

    @property
    def known(self) -> bool:
        return self.status != "unknown"

    @property
    def label(self) -> str:
        """"High availability", "Limited availability", "Service degraded" or "Status unknown"."""
        return STATUS_LABELS[self.status]

    @property
    def p50_ms(self) -> float | None:
        return _ms(self.response_time, "p50")

    @property
    def p90_ms(self) -> float | None:
        return _ms(self.response_time, "p90")

    @property
    def p99_ms(self) -> float | None:
        return _ms(self.response_time, "p99")

    def summary(self) -> str:
        """"healthy · 99.50% up · p50 120 ms, p99 900 ms" or "health unknown"."""
        if not self.known:
            return "health unknown"
        parts: list[str] = [self.status]
        if self.uptime_pct is not None:
            parts.append(f"{self.uptime_pct:.2f}% up")
        if self.p50_ms is not None:
            times = f"p50 {self.p50_ms:,.0f} ms"
            if self.p99_ms is not None:
                times += f", p99 {self.p99_ms:,.0f} ms"
            parts.append(times)
        return " · ".join(parts)


def _ms(metric: Metric | None, name: str) -> float | None:
    if metric is None:
        return None
    value = getattr(metric, name)
    if value is None:
        return None
    unit = metric.unit.lower()
    return value * 1000 if unit in ("s", "sec", "seconds") else value


def unknown_health(provider: str, model: str) -> ModelHealth:
    return ModelHealth(provider=provider, model=model, status="unknown")


@dataclass(frozen=True)
class StatusReport:
    """One fetch of the status service. `error` says why health is unknown (plain sentence), if it is."""

    base_url: str | None
    entries: tuple[ModelHealth, ...] = ()
    models: Mapping[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)  # lower-case provider → objects
    error: str | None = None  # /health could not be used
    models_error: str | None = None  # /models could not be used (health still may be known)
    notes: tuple[str, ...] = ()  # entries that were skipped, and why
    timestamp: str | None = None  # the service's own timestamp
    fetched_at: float = field(default_factory=time.time)
    elapsed_ms: float = 0.0

    _by_provider: Mapping[str, tuple[ModelHealth, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # an index, so matching 1,000 services against 1,000 entries is not a million comparisons
        grouped: dict[str, list[ModelHealth]] = {}
        for entry in self.entries:
            grouped.setdefault(entry.provider.lower(), []).append(entry)
        object.__setattr__(self, "_by_provider", {k: tuple(v) for k, v in grouped.items()})

    @property
    def available(self) -> bool:
        return self.error is None

    def entries_for(self, provider: str) -> list[ModelHealth]:
        return list(self._by_provider.get(provider.lower(), ()))

    def model_objects(self, provider: str) -> tuple[dict[str, Any], ...]:
        return self.models.get(provider.lower(), ())

    def health_for(self, provider: str, model: str, canonical_id: str | None = None,
                   model_count: int | None = None) -> ModelHealth:
        """Match as 0G's SDKs do: the provider's entries (lower-cased address), then the exact model
        id, then the model's canonical id, then — when the provider offers exactly one model and has
        exactly one entry — that entry. `model_count` defaults to the models /models lists for it
        (1 when it lists none: one on-chain service per provider)."""
        mine = self.entries_for(provider)
        if not mine:
            return unknown_health(provider, model)
        for entry in mine:
            if entry.model == model:
                return _matched(entry, "model id")
        if canonical_id is None:
            for obj in self.model_objects(provider):
                if obj.get("id") == model and isinstance(obj.get("canonical_id"), str):
                    canonical_id = obj["canonical_id"]
                    break
        if canonical_id:
            for entry in mine:
                if entry.model == canonical_id:
                    return _matched(entry, "canonical id")
        if model_count is None:
            ids = {obj.get("id") for obj in self.model_objects(provider)}
            model_count = len(ids) or 1
        if model_count == 1 and len(mine) == 1:
            return _matched(mine[0], "only model")
        return unknown_health(provider, model)


def _matched(entry: ModelHealth, how: str) -> ModelHealth:
    from dataclasses import replace

    return replace(entry, matched_by=how)


# --------------------------------------------------------------------------- parsing


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _metric(value: Any, default_unit: str) -> Metric | None:
    if not isinstance(value, Mapping):
        return None
    unit = value.get("unit")
    names = ("avg", "p50", "p90", "p95", "p99", "min", "max")
    numbers = {name: _number(value.get(name)) for name in names}
    if all(v is None for v in numbers.values()):
        return None
    return Metric(unit=unit if isinstance(unit, str) and unit else default_unit, samples=_count(value.get("samples")),
                  **numbers)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _entry(item: Any, n: int) -> tuple[ModelHealth | None, str | None]:
    if not isinstance(item, Mapping):
        return None, f"Status entry {n} is not an object."
    provider, model = item.get("provider"), item.get("model")
    if not isinstance(provider, str) or not provider or not isinstance(model, str):
        return None, f"Status entry {n} names no provider and model."
    raw_status = item.get("status")
    status: HealthStatus = raw_status if raw_status in _STATUSES else "unknown"
    note = None if raw_status in _STATUSES else (
        f"The status of {model} at {provider[:10]}… is {json.dumps(raw_status)[:40]}, which is not a known status.")
    checks = _mapping(item.get("checks"))
    uptime = _number(checks.get("uptime"))
    if uptime is not None and not 0 <= uptime <= 100:
        note = f"The uptime of {model} at {provider[:10]}… ({uptime:g}) is not a percentage; it was left out."
        uptime = None
    perf = _mapping(item.get("performance"))
    last = item.get("lastCheck")
    kind = item.get("serviceType")
    return ModelHealth(
        provider=provider, model=model, status=status,
        service_type=kind if isinstance(kind, str) else "",
        uptime_pct=uptime, checks_total=_count(checks.get("total")), checks_failed=_count(checks.get("failed")),
        response_time=_metric(perf.get("response_time"), "ms"), ttft=_metric(perf.get("ttft"), "ms"),
        tokens_per_second=_metric(perf.get("tokens_per_second"), "tokens/s"),
        last_check=last if isinstance(last, str) else None), note


def parse_health(data: Any) -> tuple[tuple[ModelHealth, ...], tuple[str, ...], str | None, str | None]:
    """/health JSON → (entries, notes, timestamp, error). A bad entry is skipped with a note."""
    if not isinstance(data, Mapping) or not isinstance(data.get("services"), list):
        return (), (), None, "The status service's health report has an unexpected format."
    entries, notes = [], []
    for n, item in enumerate(data["services"], 1):
        entry, note = _entry(item, n)
        if entry is not None:
            entries.append(entry)
        if note:
            notes.append(note)
    stamp = data.get("timestamp")
    return tuple(entries), tuple(notes[:20]), stamp if isinstance(stamp, str) else None, None


def parse_models(data: Any) -> tuple[dict[str, tuple[dict[str, Any], ...]], str | None]:
    """/models JSON → ({lower-case provider: model objects}, error). Objects without a provider or an
    id are skipped (model_info parses the rest, tolerantly)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("data"), list):
        return {}, "The status service's model list has an unexpected format."
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in data["data"]:
        if isinstance(item, dict) and isinstance(item.get("provider"), str) and isinstance(item.get("id"), str):
            grouped.setdefault(item["provider"].lower(), []).append(item)
    return {k: tuple(v) for k, v in grouped.items()}, None


# --------------------------------------------------------------------------- fetching


_client_lock = threading.Lock()
_shared_client: httpx.Client | None = None


def _client() -> httpx.Client:
    """One pooled client for the process (thread-safe; building one loads the CA bundle, ~0.3 s).
    The URL is ours (a constant or the network profile), not a provider's, so no address guard;
    DeadlineBackend makes the overall deadline hold against a server dripping one byte a second."""
    global _shared_client
    with _client_lock:
        if _shared_client is None:
            _shared_client = httpx.Client(
                transport=install_backend(httpx.HTTPTransport(), DeadlineBackend()), follow_redirects=False,
                timeout=STATUS_TIMEOUT_S, headers={"Accept": "application/json"})
        return _shared_client


def _get_json(http: httpx.Client, url: str, timeout_s: float) -> tuple[Any, str | None]:
    """(parsed JSON, None) or (None, why not, in words)."""
    try:
        status, body = bounded_get(http, url, timeout_s=timeout_s, cap=MAX_STATUS_BYTES, read_error_body=False)
    except (OgError, httpx.HTTPError) as exc:
        return None, failure_words(exc, large="the status service's answer is unreasonably large",
                                   late=f"the status service did not answer within {timeout_s:g} s",
                                   unreachable="the status service cannot be reached ({})")
    if status != 200:
        return None, f"the status service answered HTTP {status}"
    try:
        return json.loads(body), None
    except ValueError:
        return None, "the status service's answer is not valid JSON"


def fetch_status(base_url: str, http: httpx.Client | None = None, *,
                 timeout_s: float = STATUS_TIMEOUT_S) -> StatusReport:
    """Both endpoints side by side, uncached. Never raises for anything the service does."""
    start = time.perf_counter()
    client = _client() if http is None else http
    base = base_url.rstrip("/")
    with ThreadPoolExecutor(max_workers=2) as pool:
        health_job = pool.submit(_get_json, client, f"{base}/health", timeout_s)
        models_job = pool.submit(_get_json, client, f"{base}/models", timeout_s)
        health_data, health_why = health_job.result()
        models_data, models_why = models_job.result()
    entries: tuple[ModelHealth, ...] = ()
    notes: tuple[str, ...] = ()
    stamp = None
    error = f"Health is unknown: {health_why}." if health_why else None
    if health_why is None:
        entries, notes, stamp, bad = parse_health(health_data)
        error = f"Health is unknown: {bad[:1].lower()}{bad[1:]}" if bad else None
    models: dict[str, tuple[dict[str, Any], ...]] = {}
    models_error = f"The status service's model list is unavailable: {models_why}." if models_why else None
    if models_why is None:
        models, bad_models = parse_models(models_data)
        models_error = bad_models
    return StatusReport(base_url=base, entries=entries, models=models, error=error, models_error=models_error,
                        notes=notes, timestamp=stamp, elapsed_ms=(time.perf_counter() - start) * 1000)


NO_STATUS_SERVICE = "Health is unknown: this network has no status service."

# Shared by every session of the process, keyed by base URL: the status service is public.
_cache_lock = threading.Lock()
_cache: dict[str, StatusReport] = {}
_fetch_locks: dict[str, threading.Lock] = {}


def cached_status(base_url: str | None) -> StatusReport | None:
    """The last report for `base_url` if one was fetched (however old), without fetching."""
    if base_url is None:
        return None
    with _cache_lock:
        return _cache.get(base_url.rstrip("/"))


def get_status(base_url: str | None, http: httpx.Client | None = None, *, max_age_s: float = STATUS_TTL_S,
               refresh: bool = False) -> StatusReport:
    """The status report for `base_url`, from the shared cache when younger than `max_age_s`; one
    fetch at a time per URL (concurrent callers wait for it and share it). None → health unknown."""
    if base_url is None:
        return StatusReport(base_url=None, error=NO_STATUS_SERVICE)
    key = base_url.rstrip("/")
    with _cache_lock:
        lock = _fetch_locks.setdefault(key, threading.Lock())
    with lock:
        with _cache_lock:
            hit = _cache.get(key)
        if hit is not None and not refresh and time.time() - hit.fetched_at < max_age_s:
            return hit
        report = fetch_status(key, http)
        with _cache_lock:
            _cache[key] = report
        return report


STILL_FETCHING = "Health is not known yet: the status service is still answering."


def get_status_within(base_url: str | None, wait_s: float, *, max_age_s: float = STATUS_TTL_S,
                      refresh: bool = False) -> StatusReport:
    """`get_status`, but waiting at most `wait_s`: past it, the last report (however old) or a
    "not known yet" one, while the fetch goes on in the background and fills the shared cache."""
    if base_url is None:
        return get_status(None)
    done = threading.Event()
    box: list[StatusReport] = []

    def run() -> None:
        try:
            box.append(get_status(base_url, max_age_s=max_age_s, refresh=refresh))
        finally:
            done.set()

    threading.Thread(target=run, name="og-status-fetch", daemon=True).start()
    if done.wait(wait_s) and box:
        return box[0]
    return cached_status(base_url) or StatusReport(base_url=base_url.rstrip("/"), error=STILL_FETCHING)


def clear_status_cache() -> None:
    with _cache_lock:
        _cache.clear()
