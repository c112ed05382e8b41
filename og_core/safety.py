"""Guards for talking to providers, whose URLs come from the chain (anyone can register one):
which addresses may be contacted, how large an answer may be, and how long a request may take.

httpx has neither a connect-time address check nor an overall deadline (encode/httpx#1450), so
both live in an httpcore network backend that every og_core transport to a provider uses.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from og_core.errors import ProviderError, UnsafeUrlError

# Response size caps (bytes): a provider must not be able to exhaust our memory.
MAX_JSON_BYTES = 8 * 1024 * 1024
MAX_STREAM_BYTES = 16 * 1024 * 1024
MAX_IMAGE_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_SMALL_BYTES = 1 * 1024 * 1024  # /v1/models, /v1/quote, /signature, /unsettledfee

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


# --------------------------------------------------------------------------- addresses


def is_public(ip: IPAddress) -> bool:
    """Global unicast only: loopback, private, link-local, reserved and multicast are refused."""
    return ip.is_global and not ip.is_multicast


def public_addresses(host: str, port: int) -> list[str]:
    """Resolve `host`; every address must be public (UnsafeUrlError names the first that is not).
    A resolution failure is a ConnectError, as it would be without the guard."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise httpcore.ConnectError(f"{host} cannot be resolved: {exc}") from exc
    addresses = []
    for info in infos:
        address = str(info[4][0]).split("%")[0]
        ip = ipaddress.ip_address(address)
        if not is_public(ip):
            raise UnsafeUrlError(f"The provider URL points to a private or local address ({host} → {ip}).",
                                 "For safety this app only contacts public addresses on public networks.")
        if address not in addresses:
            addresses.append(address)
    return addresses


class UrlGuard:
    """Refuses URLs that resolve to loopback/private/link-local addresses unless allowed (local profile).

    `check` gives an early, plain refusal; the connection itself is checked again by the transport
    from `transport()` / `client()`, so a host that resolves differently the second time (DNS
    rebinding) still cannot reach a private address.
    """

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def check(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UnsafeUrlError(f"The provider URL “{url[:100]}” is not an http(s) address.",
                                 "This provider cannot be used.")
        if self.allow_private:
            return url
        host = parts.hostname
        try:
            public_addresses(host, parts.port or (443 if parts.scheme == "https" else 80))
        except httpcore.ConnectError as exc:
            raise UnsafeUrlError(f"The provider host “{host}” cannot be resolved.",
                                 "The provider may be offline; pick another one.", detail=str(exc)) from exc
        return url

    def transport(self) -> httpx.HTTPTransport:
        """A pooled transport whose connections obey this guard and the thread's `deadline`."""
        backend = DeadlineBackend() if self.allow_private else PublicOnlyBackend()
        return install_backend(httpx.HTTPTransport(), backend)

    def client(self, timeout: httpx.Timeout) -> httpx.Client:
        """An httpx client for provider GETs, on `transport()`. On public profiles it ignores proxy
        settings from the environment: a proxy would resolve the host itself, past the guard."""
        return httpx.Client(transport=self.transport(), follow_redirects=False, timeout=timeout,
                            trust_env=self.allow_private)


# --------------------------------------------------------------------------- deadlines

_deadline = threading.local()


@contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Provider sockets connected through og_core's transports connect, read and write in this
    thread only until `at` (time.monotonic()); past it they raise a timeout. A per-read timeout
    alone lets a provider that sends one byte a second keep a request open forever."""
    previous = getattr(_deadline, "at", None)
    _deadline.at = at
    try:
        yield
    finally:
        _deadline.at = previous


def _clamp(timeout: float | None, expired: type[httpcore.TimeoutException]) -> float | None:
    at = getattr(_deadline, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise expired("the request's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation is bounded by the calling thread's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        # SNI and certificate checks use the URL's host name, not the checked IP we connected to.
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname,
                                                     _clamp(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


SocketOptions = Iterable[Any] | None


class DeadlineBackend(httpcore.SyncBackend):
    """httpcore's own backend, with connections bounded by the thread's `deadline` (local profile)."""

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: SocketOptions = None) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(super().connect_tcp(host, port, timeout, local_address, socket_options))


class PublicOnlyBackend(DeadlineBackend):
    """Resolves the host itself and connects only to an address it checked (public profiles)."""

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: SocketOptions = None) -> httpcore.NetworkStream:
        error: httpcore.ConnectError | None = None
        for address in public_addresses(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:  # try the next checked address, like create_connection
                error = exc
        raise error or httpcore.ConnectError(f"{host} has no address")


def install_backend(transport: httpx.HTTPTransport, backend: httpcore.NetworkBackend) -> httpx.HTTPTransport:
    """Make `transport`'s connection pool connect through `backend`.

    httpx 0.28 offers no option for it, so this sets httpcore's private `_pool._network_backend`;
    it fails loudly (never silently unguarded) if an upgrade moves them — test_safety checks it.
    """
    pool = getattr(transport, "_pool", None)
    if not isinstance(pool, httpcore.ConnectionPool) or not isinstance(
            getattr(pool, "_network_backend", None), httpcore.NetworkBackend):
        raise RuntimeError("httpx/httpcore changed: og_core cannot install its connection guard")
    pool._network_backend = backend
    return transport


def abort_response(resp: httpx.Response) -> None:
    """Wake up a read blocked on `resp` in another thread: shut its socket down (closing the
    socket alone does not interrupt a blocked recv on Linux). The reader then gets an error.
    For TLS, the TCP socket's own shutdown: SSLSocket.shutdown also drops the TLS object, which
    the reading thread may be about to use."""
    stream = resp.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass  # already closed


# --------------------------------------------------------------------------- sizes


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n // 1024} KB" if n >= 1024 else f"{n} bytes"


def too_large(cap: int) -> ProviderError:
    return ProviderError(f"The provider's answer is larger than {_size(cap)}; it was refused.",
                         "Ask for less output or pick another provider.", kind="too_large")


def read_capped(resp: httpx.Response, cap: int) -> bytes:
    """The body of a streamed response, refused (ProviderError kind "too_large") as soon as it
    passes `cap` bytes, without reading the rest. The caller closes `resp`."""
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise too_large(cap)
    chunks, size = [], 0
    for chunk in resp.iter_bytes():
        size += len(chunk)
        if size > cap:
            raise too_large(cap)
        chunks.append(chunk)
    return b"".join(chunks)
