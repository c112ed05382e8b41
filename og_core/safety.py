"""Guards for talking to providers, whose URLs come from the chain (anyone can register one):
which URLs are usable at all, which addresses may be contacted and how long a request may take
(how large an answer may be is og_core/bodies.py).

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

from og_core.errors import UnsafeUrlError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


# --------------------------------------------------------------------------- addresses


MAX_URL_CHARS = 2048
_UNUSABLE = "This provider cannot be used; pick another one."


def _shown(url: str) -> str:
    """A provider-written URL quoted in a message: control characters visible as escapes, clipped."""
    text = url[:100].encode("unicode_escape").decode("ascii")
    return text + ("…" if len(url) > 100 else "")


def url_problem(url: object) -> str | None:
    """Why a provider URL cannot be used — in words — or None when it can: http(s) only, a host, a
    port from 1 to 65535, no credentials, no whitespace or control characters, and a URL the
    transport itself accepts. Syntax only; which addresses may be contacted is `UrlGuard`'s job."""
    if not isinstance(url, str) or not url.strip():
        return "The provider has no URL registered."
    text = url.strip()
    if len(text) > MAX_URL_CHARS:
        return f"The provider URL is {len(text):,} characters long; that is not a usable address."
    if any(c.isspace() or not c.isprintable() for c in text):
        return f"The provider URL “{_shown(text)}” contains spaces or control characters."
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        if "port" in str(exc).lower():
            return f"The provider URL “{_shown(text)}” has a port that is not a number from 1 to 65535."
        return f"The provider URL “{_shown(text)}” is not a valid address."
    if parts.scheme.lower() not in ("http", "https"):
        return f"The provider URL “{_shown(text)}” is not an http(s) address."
    if not parts.hostname:
        return f"The provider URL “{_shown(text)}” names no host."
    if port == 0:
        return f"The provider URL “{_shown(text)}” has a port that is not a number from 1 to 65535."
    if parts.username is not None or parts.password is not None:
        return "The provider URL contains a user name or password; this app does not send credentials to providers."
    try:
        httpx.URL(text)
    except (httpx.InvalidURL, ValueError, UnicodeError):
        return f"The provider URL “{_shown(text)}” is not a valid address."
    return None


def parse_url(url: str) -> tuple[str, str, int]:
    """(url, host, port) of a usable provider URL; UnsafeUrlError (the `url_problem`) otherwise."""
    problem = url_problem(url)
    if problem is not None:
        raise UnsafeUrlError(problem, _UNUSABLE)
    text = url.strip()
    parts = urlsplit(text)
    return text, str(parts.hostname), parts.port or (443 if parts.scheme.lower() == "https" else 80)


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries — IPv4-mapped, NAT64 (64:ff9b::/96), 6to4 (2002::/16),
    Teredo (2001::/32, its client) — which is where a packet to it really ends up."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public(ip: IPAddress) -> bool:
    """Global unicast only: loopback, private, link-local, reserved and multicast are refused, also
    when embedded in an IPv6 address (NAT64, 6to4, Teredo, IPv4-mapped)."""
    inner = _embedded_ipv4(ip)
    return ip.is_global and not ip.is_multicast and (inner is None or is_public(inner))


def is_loopback(ip: IPAddress) -> bool:
    """This machine only (127.0.0.0/8, ::1, and ::ffff:127.x)."""
    inner = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return ip.is_loopback or (inner is not None and inner.is_loopback)


def _allowed_addresses(host: str, port: int, local: bool) -> list[str]:
    """Resolve `host`; every address must be allowed — loopback on the local profile, public on the
    others (UnsafeUrlError names the first that is not). A resolution failure is a ConnectError, as
    it would be without the guard."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"{host} cannot be resolved: {exc}") from exc
    addresses = []
    for info in infos:
        address = str(info[4][0]).split("%")[0]
        ip = ipaddress.ip_address(address)
        if local and not is_loopback(ip):
            raise UnsafeUrlError(f"The provider URL points outside this computer ({host} → {ip}).",
                                 "On the local network this app only contacts services on this computer.")
        if not local and not is_public(ip):
            raise UnsafeUrlError(f"The provider URL points to a private or local address ({host} → {ip}).",
                                 "For safety this app only contacts public addresses on public networks.")
        if address not in addresses:
            addresses.append(address)
    return addresses


def public_addresses(host: str, port: int) -> list[str]:
    """Resolve `host`; every address must be public."""
    return _allowed_addresses(host, port, local=False)


class UrlGuard:
    """Which provider URLs may be fetched: usable ones (`url_problem`) whose host resolves to
    loopback addresses only on the local profile (`local=True`), public addresses only elsewhere.

    `check` gives an early, plain refusal; the connection itself is checked again by the transport
    from `transport()` / `client()`, so a host that resolves differently the second time (DNS
    rebinding) still cannot reach a forbidden address.
    """

    def __init__(self, local: bool) -> None:
        self.local = local

    def check(self, url: str) -> str:
        """`url` (stripped) when it may be fetched; UnsafeUrlError in words otherwise."""
        text, host, port = parse_url(url)
        try:
            _allowed_addresses(host, port, self.local)
        except httpcore.ConnectError as exc:
            raise UnsafeUrlError(f"The provider host “{_shown(host)}” cannot be resolved.",
                                 "The provider may be offline; pick another one.", detail=str(exc)) from exc
        return text

    def transport(self, limits: httpx.Limits | None = None) -> httpx.HTTPTransport:
        """A pooled transport whose connections obey this guard and the thread's `deadline`."""
        backend = LoopbackOnlyBackend() if self.local else PublicOnlyBackend()
        pooled = httpx.HTTPTransport(limits=limits) if limits is not None else httpx.HTTPTransport()
        return install_backend(pooled, backend)

    def client(self, timeout: httpx.Timeout | float | None, limits: httpx.Limits | None = None) -> httpx.Client:
        """An httpx client for provider GETs, on `transport()`. It ignores proxy settings from the
        environment: a proxy would resolve the host itself, past the guard."""
        return httpx.Client(transport=self.transport(limits), follow_redirects=False, timeout=timeout,
                            trust_env=False, headers={"Accept-Encoding": "gzip, deflate"})  # og_core/bodies.py reads these only


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
    """httpcore's own backend, with connections bounded by the thread's `deadline`."""

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: SocketOptions = None) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(super().connect_tcp(host, port, timeout, local_address, socket_options))


class PublicOnlyBackend(DeadlineBackend):
    """Resolves the host itself and connects only to an address it checked (public profiles)."""

    local = False

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: SocketOptions = None) -> httpcore.NetworkStream:
        error: httpcore.ConnectError | None = None
        for address in _allowed_addresses(host, port, self.local):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:  # try the next checked address, like create_connection
                error = exc
        raise error or httpcore.ConnectError(f"{host} has no address")


class LoopbackOnlyBackend(PublicOnlyBackend):
    """The same, for the local profile: loopback addresses only (never the LAN or 169.254.169.254)."""

    local = True


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
