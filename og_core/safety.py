"""Guards for fetching provider URLs taken from the chain (anyone can register one)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from og_core.errors import UnsafeUrlError

# Response size caps (bytes): a provider must not be able to exhaust our memory.
MAX_JSON_BYTES = 8 * 1024 * 1024
MAX_STREAM_BYTES = 16 * 1024 * 1024
MAX_IMAGE_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_SMALL_BYTES = 1 * 1024 * 1024  # /v1/models, /v1/quote, /signature, /unsettledfee


class UrlGuard:
    """Refuses URLs that resolve to loopback/private/link-local addresses unless allowed (local profile)."""

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
            infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                       proto=socket.IPPROTO_TCP)
        except OSError as exc:
            raise UnsafeUrlError(f"The provider host “{host}” cannot be resolved.",
                                 "The provider may be offline; pick another one.", detail=str(exc)) from exc
        for info in infos:
            ip = ipaddress.ip_address(info[4][0].split("%")[0])
            if not ip.is_global or ip.is_multicast:
                raise UnsafeUrlError(
                    f"The provider URL points to a private or local address ({host} → {ip}).",
                    "For safety this app only contacts public addresses on public networks.")
        return url
