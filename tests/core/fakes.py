"""Tiny local HTTP server and fakes for og_core unit tests (no chain, no og_devnet)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from web3 import Web3

from og_core.types import ServiceInfo

PROVIDER = Web3.to_checksum_address("0x" + "ab" * 20)

Route = Callable[[BaseHTTPRequestHandler], None]


class FakeProvider:
    """Routes: {"GET /v1/quote": handler}. A handler writes the whole response itself."""

    def __init__(self) -> None:
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
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
