"""Run a CPU-heavy engine (speech-to-text) in worker processes, each call under a processing limit.

Why a process and not a thread: PocketSphinx never releases the interpreter lock, so a transcription
in a thread stops everything else in its process — the broker's own /v1/models, /v1/quote and
signature routes — for as long as it runs, and no thread can interrupt it. In a worker process it runs
beside the broker, and a call past its limit is ended by killing the worker (a new one takes its
place), so the provider never keeps working on an answer nobody waits for any more.

Workers are forked, so they start at once with the engine already imported. A worker dies with the
broker: it gets SIGKILL when its parent dies (when forked from the main thread, as at start-up), an
idle worker reads EOF from its pipe, and a busy one has an alarm set past the limit (the kernel's
default SIGALRM action ends it even while the engine holds the interpreter lock).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from multiprocessing.connection import Connection
from typing import Any

from . import engine_loader
from .lifeline import die_with_parent

log = logging.getLogger(__name__)
_CTX = multiprocessing.get_context("fork")
# Parent ends of every worker's pipe in this process: a new worker closes them all, so a worker's
# pipe reads EOF as soon as the broker is gone (no sibling keeps it open).
_PARENT_ENDS: set[Connection] = set()


class EngineTimeout(Exception):
    """The engine did not finish within the processing limit; its worker was stopped."""


class EngineBusy(Exception):
    """Every worker is working on another request."""


class EngineCrashed(Exception):
    """The worker died or the engine raised something other than a bad-input error."""


def _worker_main(service_type: str, conn: Connection, limit_s: float, parent_pid: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group; the devnet decides
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the alarm below ends the process, GIL or not
    if parent_pid is not None:
        die_with_parent(parent_pid)
    for other in list(_PARENT_ENDS):
        other.close()
    fn = engine_loader.load(service_type)
    while True:
        try:
            args, kw = conn.recv()
        except (EOFError, OSError):
            return  # the broker is gone
        signal.alarm(int(limit_s) + 5)  # a safety net: the broker kills us at the limit already
        try:
            reply: tuple[str, Any] = ("ok", fn(*args, **kw))
        except ValueError as exc:  # the engine's EngineError: the client's input was unusable
            reply = ("bad_input", str(exc))
        except Exception as exc:  # noqa: BLE001 - reported to the broker, which answers 500
            reply = ("crash", f"{type(exc).__name__}: {exc}")
        signal.alarm(0)
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, service_type: str, limit_s: float) -> None:
        parent_end, child_end = _CTX.Pipe()
        self.conn = parent_end
        self.process = _CTX.Process(
            target=_worker_main, name=f"og-engine-{service_type}", daemon=True,
            args=(service_type, child_end, limit_s,
                  os.getpid() if threading.current_thread() is threading.main_thread() else None))
        self.process.start()
        child_end.close()
        _PARENT_ENDS.add(parent_end)

    def call(self, limit_s: float, args: tuple, kw: dict) -> tuple[str, Any]:
        self.conn.send((args, kw))
        if not self.conn.poll(limit_s):
            raise EngineTimeout
        return self.conn.recv()

    def stop(self) -> None:
        _PARENT_ENDS.discard(self.conn)
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


class EngineWorkers:
    """`size` worker processes serving one engine; `call` blocks (run it in a thread)."""

    def __init__(self, service_type: str, *, size: int, limit_s: float) -> None:
        self.service_type, self.size, self.limit_s = service_type, size, limit_s
        self._lock = threading.Lock()
        self._idle = [_Worker(service_type, limit_s) for _ in range(size)]
        self._busy = 0
        self._closed = False

    def call(self, *args: Any, **kw: Any) -> Any:
        """The engine's answer. ValueError for unusable input (as the engine raised it), EngineBusy,
        EngineTimeout (the worker was killed and replaced) or EngineCrashed."""
        with self._lock:
            if self._closed:
                raise EngineCrashed("the provider is shutting down")
            if self._busy >= self.size:
                raise EngineBusy
            self._busy += 1
            worker = self._idle.pop() if self._idle else None
        try:
            if worker is None:  # one was lost to a crash or the limit: fork its replacement now
                worker = _Worker(self.service_type, self.limit_s)
            try:
                kind, value = worker.call(self.limit_s, args, kw)
            except EngineTimeout:
                worker.stop()
                worker = None
                raise
            except (EOFError, OSError) as exc:
                worker.stop()
                worker = None
                raise EngineCrashed(f"the engine process died ({exc or type(exc).__name__})") from None
        finally:
            with self._lock:
                self._busy -= 1
                if worker is not None:
                    if self._closed:
                        worker.stop()
                    else:
                        self._idle.append(worker)
        if kind == "bad_input":
            raise ValueError(value)
        if kind == "crash":
            log.error("%s engine failed: %s", self.service_type, value)
            raise EngineCrashed(value)
        return value

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._idle if w.process.pid is not None]


def worker_count_hint() -> int:
    """Two workers: one per core on the small machines this runs on; a third request gets a 503."""
    return max(1, min(2, os.cpu_count() or 1))


__all__ = ["EngineBusy", "EngineCrashed", "EngineTimeout", "EngineWorkers", "worker_count_hint"]
