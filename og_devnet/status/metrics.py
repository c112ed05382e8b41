"""Rolling check results of one (provider, model) and the `/health` document 0G's status service sends.

Percentiles are nearest-rank over the window (the real service's method is not public). The status
thresholds are ours (0G's are server-side and unknown), written down in docs/status-service.md.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

WINDOW_CHECKS = 120  # the rolling window: the last this many checks of a service
HEALTHY_UPTIME = 95.0  # at or above, with the last check passing: "healthy"
CRITICAL_UPTIME = 50.0  # below, or the last CRITICAL_STREAK checks failed: "critical"
CRITICAL_STREAK = 3


@dataclass(frozen=True)
class Check:
    """One check: passed or not, and what it measured (None when it did not get that far)."""

    ok: bool
    at: float  # unix time
    response_ms: float | None = None
    ttft_ms: float | None = None
    tokens_per_second: float | None = None
    error: str = ""


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of a non-empty, sorted list."""
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def metric(values: Iterable[float | None], unit: str) -> dict[str, Any] | None:
    """{avg, p50, p90, p95, p99, min, max, unit, samples}, or None without a sample."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    out: dict[str, Any] = {"avg": round(sum(data) / len(data), 3)}
    for pct in (50, 90, 95, 99):
        out[f"p{pct}"] = round(percentile(data, pct), 3)
    out.update(min=round(data[0], 3), max=round(data[-1], 3), unit=unit, samples=len(data))
    return out


@dataclass
class ServiceRecord:
    """What the status service knows of one (provider, model)."""

    provider: str
    model: str
    service_type: str
    checks: deque[Check] = field(default_factory=lambda: deque(maxlen=WINDOW_CHECKS))

    def add(self, check: Check) -> None:
        self.checks.append(check)

    @property
    def uptime(self) -> float:
        if not self.checks:
            return 0.0
        return round(100 * sum(c.ok for c in self.checks) / len(self.checks), 2)

    @property
    def status(self) -> str:
        recent = list(self.checks)[-CRITICAL_STREAK:]
        if len(recent) == CRITICAL_STREAK and not any(c.ok for c in recent):
            return "critical"
        if self.uptime < CRITICAL_UPTIME:
            return "critical"
        if self.uptime < HEALTHY_UPTIME or not self.checks[-1].ok:
            return "warning"
        return "healthy"

    def entry(self) -> dict[str, Any]:
        passed = [c for c in self.checks if c.ok]
        performance: dict[str, Any] = {}
        for name, unit, values in (
                ("response_time", "ms", (c.response_ms for c in passed)),
                ("ttft", "ms", (c.ttft_ms for c in passed)),
                ("tokens_per_second", "tokens/s", (c.tokens_per_second for c in passed))):
            m = metric(values, unit)
            if m is not None:
                performance[name] = m
        ok = len(passed)
        return {
            "serviceType": self.service_type, "model": self.model, "provider": self.provider,
            "status": self.status,
            "checks": {"total": len(self.checks), "successful": ok, "failed": len(self.checks) - ok,
                       "uptime": self.uptime},
            "performance": performance,
            "lastCheck": iso(self.checks[-1].at),
        }


def health_document(records: Iterable[ServiceRecord], *, monitoring: bool, now: float | None = None
                    ) -> dict[str, Any]:
    """The `/health` answer: one entry per checked (provider, model), and the summary over them."""
    services = [r.entry() for r in records if r.checks]
    counts = {s: sum(e["status"] == s for e in services) for s in ("healthy", "warning", "critical")}
    total_checks = sum(e["checks"]["total"] for e in services)
    ok_checks = sum(e["checks"]["successful"] for e in services)
    overall = round(100 * ok_checks / total_checks, 2) if total_checks else 0.0
    return {
        "status": "ok", "timestamp": iso(time.time() if now is None else now), "isMonitoring": monitoring,
        "summary": {"totalServices": len(services), **counts, "overallUptime": overall},
        "services": services,
    }
