"""Each provider's broker in a child process of its own, as a real provider is its own machine.

Why: in one process, the chain's JSON-RPC server and every broker shared one interpreter lock, and
an engine that holds it (PocketSphinx does, for the whole transcription) froze the chain and every
other provider until it finished. Apart, a busy or crashed provider touches only itself.

Boot stays fast: the children are forked *before* the chain starts, so no thread of the parent is
copied, and they inherit what the parent imported (web3, Starlette, uvicorn, the engines). They wait for the chain's URL and the inference contract's
address, start their broker and report its URL.

No orphans: a child gets SIGKILL when the devnet dies (even by SIGKILL), ignores Ctrl-C's SIGINT
(the devnet, which gets it too, stops the children in order), and stops when its pipe closes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any

from . import engine_loader
from .config import ProviderConfig
from .lifeline import die_with_parent

_CTX = multiprocessing.get_context("fork")
_PARENT_ENDS: set[Connection] = set()  # closed in each new child, so each pipe has one reader


class ProviderStartError(RuntimeError):
    """A provider's child process failed to start its broker; the message says why."""


def child_setup(parent_pid: int) -> None:
    """First thing in a forked child of the devnet: Ctrl-C is the devnet's to handle, die with it, and
    close the pipes of the other children (inherited), so each pipe has one reader."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the devnet's handler is not ours
    die_with_parent(parent_pid)
    for other in list(_PARENT_ENDS):
        other.close()


class PipedChild:
    """A forked child running `target(conn, parent_pid, *args)`, and the parent's end of its pipe."""

    def __init__(self, target: Callable[..., None], args: tuple[Any, ...], name: str, *, daemon: bool = False
                 ) -> None:
        parent_end, child_end = _CTX.Pipe()
        self.conn = parent_end
        self.process = _CTX.Process(target=target, args=(child_end, os.getpid(), *args), name=name, daemon=daemon)
        self.process.start()
        child_end.close()
        _PARENT_ENDS.add(parent_end)

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def stop(self, timeout: float = 5.0) -> None:
        _PARENT_ENDS.discard(self.conn)
        try:
            self.conn.send("stop")
        except OSError:
            pass
        self.conn.close()
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


def _child_main(conn: Connection, parent_pid: int, cfg: ProviderConfig) -> None:
    child_setup(parent_pid)
    from .serve import start_brokers  # already imported by the parent; cheap

    try:
        engine_loader.load(cfg.service_type, cfg.engine)  # normally imported by the parent already
        msg = conn.recv()
    except (EOFError, OSError):
        return  # the devnet gave up before we were needed
    except Exception as exc:  # noqa: BLE001 - e.g. an engine that cannot be imported: say so
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    if msg == "stop":
        return
    rpc_url, inference, chain_id = msg
    try:
        group = start_brokers([cfg], rpc_url, inference, chain_id=chain_id)
    except Exception as exc:  # noqa: BLE001
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    try:
        conn.send(("ready", group[0][1]))
        conn.recv()  # "stop", or EOF when the devnet is gone
    except (EOFError, OSError):
        pass
    finally:
        group.stop()


class ProviderProcess(PipedChild):
    """One provider's broker in a forked child; `start` hands it the chain, `stop` ends it."""

    def __init__(self, cfg: ProviderConfig) -> None:
        self.cfg = cfg
        self.url: str | None = None
        # not daemon: it forks engine workers
        super().__init__(_child_main, (cfg,), f"og-provider-{cfg.name}")

    def start(self, rpc_url: str, inference: str, chain_id: int) -> None:
        self.conn.send((rpc_url, inference, chain_id))


class ProviderGroup(list):
    """Running providers as a list of ``(cfg, url)`` (like serve.BrokerGroup), with ``stop()``."""

    def __init__(self, procs: list[ProviderProcess]) -> None:
        super().__init__()
        self.procs = procs

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.pid is not None]

    def stop(self) -> None:
        for p in self.procs:  # "stop" to all first: they shut down side by side
            try:
                p.conn.send("stop")
            except OSError:
                pass
        for p in self.procs:
            p.stop()


def fork_providers(configs: list[ProviderConfig]) -> list[ProviderProcess]:
    """Fork one child per provider. Call this before starting any thread (see the module docstring)."""
    return [ProviderProcess(cfg) for cfg in configs]


def hand_over(procs: list[ProviderProcess], rpc_url: str, inference: str, chain_id: int) -> None:
    """Hand every child the chain: each starts its broker now (they read the chain only when asked)."""
    for p in procs:
        p.start(rpc_url, inference, chain_id)


def wait_for_providers(procs: list[ProviderProcess], timeout: float = 60.0) -> ProviderGroup:
    """Wait until each child's broker accepts connections (after `hand_over`)."""
    group = ProviderGroup(procs)
    pending = {p.conn: p for p in procs}
    deadline = time.monotonic() + timeout
    try:
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProviderStartError(f"providers did not start within {timeout:g} s: "
                                         + ", ".join(p.cfg.name for p in pending.values()))
            for conn in wait(list(pending), left):
                p = pending.pop(conn)  # type: ignore[call-overload]
                try:
                    kind, value = conn.recv()  # type: ignore[union-attr]
                except (EOFError, OSError):
                    raise ProviderStartError(f"provider {p.cfg.name} exited while starting") from None
                if kind != "ready":
                    raise ProviderStartError(f"provider {p.cfg.name} could not start: {value}")
                p.url = value
    except BaseException:
        group.stop()
        raise
    group.extend((p.cfg, p.url) for p in procs)
    return group
