"""A fault-injecting HTTP proxy in front of a JSON-RPC endpoint, on real sockets.

It sits *below* everything in the client (web3's retry layer included): og_core's RPC URL points at
the proxy, which forwards each request to the real node and then, for the methods told to fail,
loses the reply — a 502 after the node has acted on the request, or a reply held back past the
client's timeout. It also counts HTTP round trips and the methods in each one.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

import requests

# drop: the node acts on it, the client gets a 502. slow: the node acts on it, the reply comes after the
# client's timeout. twice: forwarded twice (a layer that re-sends), the client gets the second answer.
Fault = Literal["drop", "slow", "twice"]


class RpcProxy:
    def __init__(self, upstream: str, *, slow_s: float = 3.0, latency_s: float = 0.0) -> None:
        self.upstream = upstream
        self.slow_s = slow_s  # how long a "slow" reply is held back after the node answered
        self.latency_s = latency_s  # added to every round trip (a far or slow RPC)
        self._lock = threading.Lock()
        self._faults: dict[str, list] = {}  # method -> [fault, times left]
        self.requests: list[list[str]] = []  # the methods of each HTTP request received, in order
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                methods = _methods(body)
                fault = proxy._take_fault(methods)
                if proxy.latency_s:
                    time.sleep(proxy.latency_s)
                upstream = requests.post(proxy.upstream, data=body, timeout=60,
                                         headers={"Content-Type": "application/json"})
                if fault == "twice":
                    upstream = requests.post(proxy.upstream, data=body, timeout=60,
                                             headers={"Content-Type": "application/json"})
                if fault == "drop":  # the node got it; the reply is lost on the way back
                    self._reply(502, b"Bad Gateway", "text/plain")
                    return
                if fault == "slow":
                    time.sleep(proxy.slow_s)
                self._reply(upstream.status_code, upstream.content, "application/json")

            def _reply(self, status: int, content: bytes, kind: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                except OSError:  # the client gave up waiting (a "slow" reply)
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="rpc-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail(self, method: str, fault: Fault, *, times: int = 1) -> None:
        """Lose the reply to the next `times` requests carrying `method`."""
        with self._lock:
            self._faults[method] = [fault, times]

    def _take_fault(self, methods: list[str]) -> Fault | None:
        with self._lock:
            self.requests.append(methods)
            for method in methods:
                entry = self._faults.get(method)
                if entry is not None and entry[1] > 0:
                    entry[1] -= 1
                    return entry[0]
        return None

    def count(self, method: str) -> int:
        """How many requests carrying `method` the client made (a "twice" fault forwards one more)."""
        with self._lock:
            return sum(m.count(method) for m in self.requests)

    def round_trips(self) -> int:
        with self._lock:
            return len(self.requests)

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> RpcProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _methods(body: bytes) -> list[str]:
    try:
        payload = json.loads(body)
    except ValueError:
        return ["?"]
    items = payload if isinstance(payload, list) else [payload]
    return [str(item.get("method")) if isinstance(item, dict) else "?" for item in items]
