"""One bounded GET: a provider's or the status service's small JSON endpoint, all within a deadline
(a peer trickling a byte a second cannot hold a page up) and with a capped body (bodies.py).
Callers word the failures for where they show them (`failure_words`)."""

from __future__ import annotations

import time

import httpx

from og_core.bodies import read_capped
from og_core.errors import OgError, ProviderError, ProviderErrorKind
from og_core.safety import UrlGuard, deadline


def bounded_get(http: httpx.Client, url: str, *, timeout_s: float, cap: int, guard: UrlGuard | None = None,
                read_error_body: bool = True) -> tuple[int, bytes]:
    """(HTTP status, body ≤ cap bytes decoded), all within timeout_s. The body of a non-200 answer is
    read only when read_error_body (b"" otherwise). Raises OgError (guard, cap, deadline) or
    httpx.HTTPError; `failure_words` says either in words."""
    if guard is not None:
        guard.check(url)
    with deadline(time.monotonic() + timeout_s), http.stream("GET", url, timeout=timeout_s) as resp:
        if resp.status_code != 200 and not read_error_body:
            return resp.status_code, b""
        return resp.status_code, read_capped(resp, cap)


def failure_words(exc: OgError | httpx.HTTPError, *, large: str, late: str, unreachable: str) -> str:
    """Why `bounded_get` raised, in the caller's words: `large` for a body over the cap, `late` for a
    timeout, `unreachable` (with `{}` for the error class) for any other transport failure; an
    OgError's own message otherwise."""
    if isinstance(exc, ProviderError) and exc.kind is ProviderErrorKind.TOO_LARGE:
        return large
    if isinstance(exc, OgError):
        return exc.message
    if isinstance(exc, httpx.TimeoutException):
        return late
    return unreachable.format(type(exc).__name__)
