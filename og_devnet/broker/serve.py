"""Run brokers with uvicorn in the calling process: several providers on one asyncio loop in a
background thread. Each of the devnet's providers uses it alone, in a process of its own
(process.py); tests use it for several brokers beside an in-process chain."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterable

import uvicorn

from .app import create_app
from .config import ProviderConfig


def _bind(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when the listening
    # socket says TCP; with proto 0 Nagle + delayed ACK add ~40 ms to every keep-alive response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class BrokerGroup(list):
    """A list of ``(cfg, url)`` for running brokers, with ``stop()``."""

    def __init__(self) -> None:
        super().__init__()
        self._servers: list[uvicorn.Server] = []
        self._thread: threading.Thread | None = None
        self.apps: dict[str, object] = {}

    def stop(self, timeout: float = 10.0) -> None:
        for server in self._servers:
            server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> BrokerGroup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_brokers(configs: Iterable[ProviderConfig], rpc_url: str, inference_address: str,
                  chain_id: int = 31337, host: str = "127.0.0.1", timeout: float = 15.0) -> BrokerGroup:
    """Start one broker per config (port 0 = pick a free one); returns once all accept connections."""
    group = BrokerGroup()
    pairs = []
    for cfg in configs:
        app = create_app(cfg, rpc_url, inference_address, chain_id)
        sock = _bind(host, cfg.port)
        url = f"http://{host}:{sock.getsockname()[1]}"
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False,
                                               timeout_graceful_shutdown=2))
        group._servers.append(server)
        group.apps[cfg.name] = app
        group.append((cfg, url))
        pairs.append((server, sock))

    async def main() -> None:
        await asyncio.gather(*(server.serve(sockets=[sock]) for server, sock in pairs))

    group._thread = threading.Thread(target=asyncio.run, args=(main(),), name="og-brokers", daemon=True)
    group._thread.start()
    deadline = time.monotonic() + timeout
    while not all(s.started for s in group._servers):
        if time.monotonic() > deadline or not group._thread.is_alive():
            group.stop()
            raise RuntimeError("brokers did not start")
        time.sleep(0.02)
    return group
