"""Tiny local HTTP server and fakes for og_core unit tests (no chain, no og_devnet)."""

from __future__ import annotations

import datetime
import functools
import gc
import ipaddress
import json
import ssl
import struct
import sys
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from web3 import Web3

from og_core.types import ServiceInfo

PROVIDER = Web3.to_checksum_address("0x" + "ab" * 20)

Route = Callable[[BaseHTTPRequestHandler], None]


class FakeProvider:
    """Routes: {"GET /v1/quote": handler}. A handler writes the whole response itself."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _dispatch(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?")[0]
                outer.requests.append((method, self.path, dict(self.headers), body))
                for key, route in outer.routes.items():
                    m, _, prefix = key.partition(" ")
                    if m == method and (path == prefix or (prefix.endswith("*") and path.startswith(prefix[:-1]))):
                        route(self)
                        return
                send_json(self, 404, {"error": "not found"})

            def do_GET(self) -> None:  # noqa: N802
                self._dispatch("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._dispatch("POST")

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # many clients at once (a round of probes): the default 5 drops SYNs

            def handle_error(self, request: Any, client_address: Any) -> None:
                if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hanging up is no news
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def send_json(h: BaseHTTPRequestHandler, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
    body = json.dumps(data).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def send_sse(h: BaseHTTPRequestHandler, events: list[bytes], *, delay: float = 0.0, close_early: bool = False) -> None:
    """Write SSE lines with chunked encoding; close_early drops the connection without the last chunk."""
    h.send_response(200)
    h.send_header("Content-Type", "text/event-stream")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    for ev in events:
        h.wfile.write(f"{len(ev):x}\r\n".encode() + ev + b"\r\n")
        h.wfile.flush()
        if delay:
            time.sleep(delay)
    if close_early:
        h.close_connection = True
        h.wfile.flush()
        h.connection.shutdown(2)
        return
    h.wfile.write(b"0\r\n\r\n")


def service(url: str, *, signer: str = "0x" + "11" * 20, verifiability: str = "TeeML",
            info: dict | None = None, service_type: str = "chatbot", acknowledged: bool = True) -> ServiceInfo:
    return ServiceInfo(
        provider=PROVIDER,
        service_type=service_type, url=url, model="local/test-model", verifiability=verifiability,
        input_price_wei=10**9, output_price_wei=2 * 10**9, updated_at=0, tee_signer=signer,
        tee_signer_acknowledged=acknowledged, additional_info_raw=json.dumps(info or {}),
        additional_info=info if info is not None else {},
    )


class FakeAuth:
    """Stands in for SessionAuth: counts header builds and invalidations."""

    def __init__(self) -> None:
        self.builds = 0
        self.invalidations = 0

    def headers(self, provider: str) -> dict[str, str]:
        self.builds += 1
        return {"Authorization": f"Bearer app-sk-fake{self.builds}"}

    def invalidate(self, provider: str | None = None) -> None:
        self.invalidations += 1


class Flood:
    """A route answering 200 with `total` bytes, chunked (no Content-Length, so only reading can
    find the size). `sent` is how much it wrote before the client hung up; `done` when it stopped."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.sent = total, chunk, 0
        self.done = threading.Event()

    def __call__(self, h: BaseHTTPRequestHandler) -> None:
        piece = b"x" * self.chunk
        try:
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            while self.sent < self.total:
                h.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.sent += len(piece)
            h.wfile.write(b"0\r\n\r\n")
        except OSError:
            h.close_connection = True  # the client hung up: what it refused was never sent
        finally:
            self.done.set()


def drip(h: BaseHTTPRequestHandler, head: bytes, body: bytes, *, every: float, drip_head: bool = False) -> None:
    """Write a raw HTTP response one byte every `every` s (the head too when drip_head), so no
    single read ever waits long: only an overall deadline can end it."""
    h.close_connection = True
    try:
        if not drip_head:
            h.wfile.write(head)
            h.wfile.flush()
        raw = head + body
        for i in range(0 if drip_head else len(head), len(raw)):
            h.wfile.write(raw[i:i + 1])
            h.wfile.flush()
            time.sleep(every)
    except OSError:
        pass  # the client gave up, as it should


def json_head(body: bytes) -> bytes:
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n")


def self_signed_tls(directory: Path, host: str = "127.0.0.1") -> tuple[ssl.SSLContext, Path]:
    """A server TLS context for `host` (an IP or a DNS name) and the certificate file a client must trust."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    try:
        san: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        san = x509.DNSName(host)
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1)).not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([san]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file


# --------------------------------------------------------------------------- hostile bodies

GIB = 1024 ** 3


# zlib.crc32 of 1 GiB of zero bytes: summing it takes about 2 s of CPU, once per run of the fast tier.
_ZERO_CRC32 = {GIB: 0x5B64C2B0}


@functools.cache
def gzip_bomb(decoded: int = GIB, *, layers: int = 2) -> bytes:
    """A gzip body that inflates to `decoded` zero bytes; layers=2 wraps it in gzip again (sent with
    `Content-Encoding: gzip, gzip`: 1 GiB in about 2.5 KB, the audit's bomb). Built from one
    repeated deflate segment, so making it takes about a second, not the 13 s of compressing 1 GiB."""
    block = bytes(1024 * 1024)
    count = max(1, decoded // len(block))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    segment = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)  # byte-aligned, history reset
    crc = _ZERO_CRC32.get(count * len(block))
    if crc is None:
        crc = 0
        for _ in range(count):
            crc = zlib.crc32(block, crc)
    body = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + segment * count + deflate.flush()
            + struct.pack("<II", crc, (count * len(block)) & 0xFFFFFFFF))
    for _ in range(layers - 1):
        outer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        body = outer.compress(body) + outer.flush()
    return body


def send_bomb(h: BaseHTTPRequestHandler, *, layers: int = 2, encoding: str | None = None,
              content_type: str = "application/json") -> None:
    """Answer 200 with `gzip_bomb`, chunked (no Content-Length to refuse it by)."""
    body = gzip_bomb(layers=layers)
    try:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Encoding", encoding or ", ".join(["gzip"] * layers))
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for i in range(0, len(body), 64 * 1024):
            piece = body[i:i + 64 * 1024]
            h.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        h.wfile.write(b"0\r\n\r\n")
    except OSError:
        h.close_connection = True  # the client hung up after refusing it


def endless_sse(h: BaseHTTPRequestHandler, *, every: float = 0.0) -> None:
    """A stream that never ends: one answer event after another until the client hangs up."""
    event = b'data: {"id":"endless","choices":[{"delta":{"content":"' + b"more " * 200 + b'"}}]}\n\n'
    try:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        batch = event * (1 if every else 64)
        while True:
            h.wfile.write(f"{len(batch):x}\r\n".encode() + batch + b"\r\n")
            h.wfile.flush()
            if every:
                time.sleep(every)
    except OSError:
        h.close_connection = True


def redirect(location: str) -> Route:
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()
    return route


def peak_rss_growth_mb(run: Callable[[], Any]) -> tuple[float, Any]:
    """(MB the process's peak resident memory grew by while `run()` ran, its result or exception).
    The kernel's peak (VmHWM) is reset first (/proc/self/clear_refs), so earlier peaks don't hide it."""
    def status(field: str) -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise RuntimeError(f"no {field} in /proc/self/status")

    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")
    before = status("VmRSS")
    try:
        outcome: Any = run()
    except Exception as exc:  # the caller asserts on it
        outcome = exc
    return (status("VmHWM") - before) / 1024, outcome
