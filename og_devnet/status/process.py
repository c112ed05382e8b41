"""The status service in a child process of the devnet, forked with the providers (before any thread
starts, see broker/process.py) and ended with the network: SIGKILL when the devnet dies, stop when its
pipe says so or closes.

Its server answers as soon as the chain is handed over (the ready JSON names its URL); its checks start
only on "go", once the network is ready, so they never slow the boot.
"""

from __future__ import annotations

import asyncio
import threading
import time
from multiprocessing.connection import Connection

import uvicorn
from web3 import Web3

from ..broker.process import PipedChild, child_setup
from ..broker.serve import _bind
from .app import create_app
from .monitor import Monitor
from .wallet import StatusWallet


class StatusStartError(RuntimeError):
    """The status service did not start; the message says why."""


def _child_main(conn: Connection, parent_pid: int, port: int, interval: float, wallet_key: str) -> None:
    child_setup(parent_pid)
    try:
        msg = conn.recv()
    except (EOFError, OSError):
        return
    if msg == "stop":
        return
    rpc_url, inference, ledger = msg
    go = threading.Event()
    try:
        w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
        monitor = Monitor(StatusWallet(w3, wallet_key, inference, ledger), wallet_key, interval)
        sock = _bind("127.0.0.1", port)
        server = uvicorn.Server(uvicorn.Config(create_app(monitor, go), log_level="warning", lifespan="on",
                                               access_log=False, timeout_graceful_shutdown=2))
        thread = threading.Thread(target=asyncio.run, args=(server.serve(sockets=[sock]),), name="og-status",
                                  daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise StatusStartError("its server did not start")
            time.sleep(0.02)
    except Exception as exc:  # noqa: BLE001 - say why to the devnet
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", f"http://127.0.0.1:{sock.getsockname()[1]}"))
    try:
        while (msg := conn.recv()) != "stop":
            if msg == "go":
                go.set()
    except (EOFError, OSError):
        pass
    finally:
        server.should_exit = True
        thread.join(5)


class StatusProcess(PipedChild):
    """The status service's child: `hand_over` gives it the chain, `wait_ready` its URL, `go` starts
    its checks, `stop` ends it."""

    def __init__(self, *, port: int, interval: float, wallet_key: str) -> None:
        self.url: str | None = None
        super().__init__(_child_main, (port, interval, wallet_key), "og-status", daemon=True)

    def hand_over(self, rpc_url: str, inference: str, ledger: str) -> None:
        self.conn.send((rpc_url, inference, ledger))

    def wait_ready(self, timeout: float = 30.0) -> str:
        if not self.conn.poll(timeout):
            raise StatusStartError(f"the status service did not start within {timeout:g} s")
        try:
            kind, value = self.conn.recv()
        except (EOFError, OSError):
            raise StatusStartError("the status service exited while starting") from None
        if kind != "ready":
            raise StatusStartError(f"the status service could not start: {value}")
        self.url = value
        return value

    def go(self) -> None:
        self.conn.send("go")
