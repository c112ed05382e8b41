"""Hostile chat providers for bench/sessions.py, registered on a real local network.

Each is a real HTTP server on loopback whose service is registered on-chain like any other, so the
app meets it the way a user would: Discover probes its `/v1/models`, Chat streams from it.

- `bomb`: `/v1/models` is a gzip bomb — a few KB with `Content-Encoding: gzip, gzip` that expand
  to `bomb_mb` MB of zeros.
- `huge-models`: `/v1/models` is 200 MB of JSON, chunked (no Content-Length).
- `stream-16mb`: a chat answer of 16 MB in 278 SSE events (about 60 KB each), then a clean end.
- `endless`: a chat answer that never ends, one short event every 20 ms until the client hangs up.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from eth_account import Account
from web3 import Web3

from og_devnet.accounts import DEPLOYER
from og_devnet.deploy import register_provider

MODES = ("bomb", "huge-models", "stream-16mb", "endless")
PRICE_WEI = 10**9  # per token, like the local network's own chatbots
HUGE_MODELS_BYTES = 200 * 2**20
STREAM_EVENTS, STREAM_BYTES = 278, 16 * 2**20


def gzip_bomb(expanded_mb: int) -> bytes:
    """`expanded_mb` MB of zeros, gzip-compressed twice (each pass ~1000:1), built incrementally."""

    def gzip_stream(chunks: Any) -> bytes:
        z = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip framing
        return b"".join(z.compress(c) for c in chunks) + z.flush()

    zeros = bytes(2**20)
    once = gzip_stream(zeros for _ in range(expanded_mb))
    return gzip_stream([once])


def _chunked(h: BaseHTTPRequestHandler, status: int, content_type: str, headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Transfer-Encoding", "chunked")
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()


def _chunk(h: BaseHTTPRequestHandler, data: bytes) -> None:
    h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")


def _event(chat_id: str, text: str) -> bytes:
    return b"data: " + json.dumps({"id": chat_id, "choices": [{"delta": {"content": text}}]}).encode() + b"\n\n"


class HostileProvider:
    """One hostile provider (`mode` in MODES) on a free loopback port; `served` counts requests by path."""

    def __init__(self, mode: str, *, bomb: bytes = b"") -> None:
        assert mode in MODES, mode
        self.mode, self.bomb = mode, bomb
        self.served: dict[str, int] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer._serve(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                outer._serve(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _serve(self, h: BaseHTTPRequestHandler, method: str) -> None:
        path = h.path.split("?")[0]
        self.served[path] = self.served.get(path, 0) + 1
        try:
            if method == "GET" and path == "/v1/models":
                self._models(h)
            elif method == "POST" and path == "/v1/proxy/chat/completions":
                self._chat(h)
            else:
                body = b'{"error": "not found"}'
                h.send_response(404)
                h.send_header("Content-Type", "application/json")
                h.send_header("Content-Length", str(len(body)))
                h.end_headers()
                h.wfile.write(body)
        except OSError:
            h.close_connection = True  # the client hung up, as it should

    def _models(self, h: BaseHTTPRequestHandler) -> None:
        if self.mode == "bomb":
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Encoding", "gzip, gzip")
            h.send_header("Content-Length", str(len(self.bomb)))
            h.end_headers()
            h.wfile.write(self.bomb)
            return
        if self.mode == "huge-models":
            _chunked(h, 200, "application/json")
            piece = json.dumps({"id": "x" * 1000}).encode() + b","
            _chunk(h, b'{"data": [')
            for _ in range(HUGE_MODELS_BYTES // len(piece)):
                _chunk(h, piece)
            _chunk(h, b'{"id": "end"}]}')
            h.wfile.write(b"0\r\n\r\n")
            return
        body = json.dumps({"data": [{"id": f"hostile/{self.mode}"}]}).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _chat(self, h: BaseHTTPRequestHandler) -> None:
        chat_id = f"hostile-{time.monotonic_ns()}"
        _chunked(h, 200, "text/event-stream", {"ZG-Res-Key": chat_id})
        if self.mode == "stream-16mb":
            text = "lorem ipsum " * (STREAM_BYTES // STREAM_EVENTS // 12)
            for _ in range(STREAM_EVENTS):
                _chunk(h, _event(chat_id, text))
        else:  # endless (and the probe-only modes): never ends until the client hangs up
            while True:
                _chunk(h, _event(chat_id, "and again "))
                h.wfile.flush()
                time.sleep(0.02)
        _chunk(h, b"data: [DONE]\n\n")
        h.wfile.write(b"0\r\n\r\n")


@dataclass
class Registered:
    provider: HostileProvider
    address: str  # the provider's on-chain address
    model: str


def register_hostile(rpc_url: str, inference_address: str, mode: str, *, bomb: bytes = b"") -> Registered:
    """Start a hostile provider and register it as a chatbot on the local network (a fresh owner
    account funded with hardhat_setBalance)."""
    server = HostileProvider(mode, bomb=bomb)
    owner = Account.create()
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    w3.provider.make_request("hardhat_setBalance", [owner.address, hex(1000 * 10**18)])
    model = f"hostile/{mode}"
    register_provider(w3, inference_address, owner.key.to_0x_hex(), DEPLOYER[1], service_type="chatbot",
                      url=server.url, model=model, input_price=PRICE_WEI, output_price=PRICE_WEI,
                      verifiability="TeeML", additional_info='{"TargetSeparated":false}', tee_signer=owner.address)
    return Registered(server, owner.address, model)
