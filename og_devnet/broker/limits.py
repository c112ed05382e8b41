"""Per-user rate limit (429) with 0G's rate-limit headers, concurrency cap (503) and the request body
limit (413)."""

from __future__ import annotations

import math
import time

MAX_BODY_BYTES = 32 * 1024 * 1024


class RateLimiter:
    """Token bucket per user: ``rate`` requests/s, burst of max(1, rate). rate 0 = off."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.burst = max(1.0, rate)
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, user: str) -> bool:
        if self.rate <= 0:
            return True
        now = time.monotonic()
        tokens, last = self._buckets.get(user, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[user] = (tokens, now)
            return False
        self._buckets[user] = (tokens - 1.0, now)
        if len(self._buckets) > 50_000:
            self._buckets.clear()
        return True

    @property
    def per_minute(self) -> int:
        return round(self.rate * 60)

    def headers(self, user: str) -> dict[str, str]:
        """The OpenAI-format headers 0G's broker sends: the limit per minute, what is left now, and
        whole seconds (suffix "s") until the bucket is full again. None when the limit is off."""
        if self.rate <= 0:
            return {}
        now = time.monotonic()
        tokens, last = self._buckets.get(user, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        reset = math.ceil((self.burst - tokens) / self.rate)
        return {"x-ratelimit-limit-requests": str(self.per_minute),
                "x-ratelimit-remaining-requests": str(math.floor(tokens)),
                "x-ratelimit-reset-requests": f"{reset}s"}


class ConcurrencyCap:
    """Counts in-flight requests (single event loop, so no lock). limit 0 = off."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0

    def try_acquire(self) -> bool:
        if self.limit > 0 and self.active >= self.limit:
            return False
        self.active += 1
        return True

    def release(self) -> None:
        self.active -= 1

    def take(self) -> Slot | None:
        """A held place, or None when full."""
        return Slot(self) if self.try_acquire() else None


class Slot:
    """One place taken in a ConcurrencyCap. ``release()`` is idempotent, so every exit path of a request
    (done, failed, cancelled, client gone) can call it without double-counting."""

    def __init__(self, cap: ConcurrencyCap) -> None:
        self._cap: ConcurrencyCap | None = cap

    def release(self) -> None:
        cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()
