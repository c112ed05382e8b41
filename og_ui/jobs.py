"""Background jobs of a session: the one way the app runs work that must outlive a script run — a
transaction (og_ui/tx.py), a paid media request or a comparison (og_ui/media.py), a streaming chat
answer (og_ui/chat_stream.py).

Why a worker thread: a click anywhere interrupts the script run (Streamlit raises inside the next
st.* call or session_state access). Work done in the script thread would be cut off halfway — a
transaction's outcome or a paid answer lost, and the button, still enabled, tempting a second send.

The rules every job follows:
- The job is in session_state (`<key>_job`) before its thread starts, and `start` refuses while one
  is in flight under that key: a rerun or a double click never sends (or pays) twice.
- The worker only calls og_core and writes plain attributes of its Job; the script thread renders
  them. Nothing in a worker touches st.*.
- A finished job's outcome is kept exactly once (`keep`), then the job is forgotten. Results survive
  reruns and page switches because the job lives in session_state, not in a run.
- A wallet or network switch closes the old client only after its running jobs ended (session.work).
- `stop` asks a job to end early (the chat's Stop); the work decides what stopping means.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import streamlit as st

from og_ui import session

T = TypeVar("T")


@dataclass(eq=False)
class Job:
    """One piece of background work. `data` is what the page passed along with it (the prompt, the
    plan…); `notes` is the worker's progress, appended as it goes (tx steps, answer pieces)."""

    key: str
    label: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: float = field(default_factory=time.monotonic)
    notes: list[Any] = field(default_factory=list)
    result: Any = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)
    kept: bool = False  # its outcome is in session_state (set by `keep`, script thread only)
    _on_stop: list[Callable[[], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def running(self) -> bool:
        return not self.done.is_set()

    @property
    def seconds(self) -> int:
        return int(time.monotonic() - self.started)

    def note(self, item: Any) -> None:
        """Worker side: publish progress (a list append: safe to read from the script thread)."""
        self.notes.append(item)

    def on_stop(self, hook: Callable[[], None]) -> None:
        """Worker side: call `hook` (thread-safe, e.g. ChatStream.stop) when the job is asked to stop —
        at once if that already happened."""
        with self._lock:
            if not self.stopping.is_set():
                self._on_stop.append(hook)
                return
        hook()

    def stop(self) -> None:
        """Ask the job to end early (from any thread). Work that ignores it simply runs to its end."""
        with self._lock:
            self.stopping.set()
            hooks, self._on_stop = self._on_stop, []
        for hook in hooks:
            hook()

    def _run(self, work: Callable[[Job], Any]) -> None:
        try:
            self.result = work(self)
        except BaseException as exc:  # handed to the script thread, shown there
            self.error = exc
        finally:
            self.done.set()


def _state_key(key: str) -> str:
    return f"{key}_job"


def get(key: str) -> Job | None:
    """The job under `key` (in flight, or finished and not kept yet), else None."""
    return st.session_state.get(_state_key(key))


def running(key: str) -> bool:
    job = get(key)
    return job is not None and job.running


def start(key: str, work: Callable[[Job], Any], *, label: str = "", **data: Any) -> Job | None:
    """Run `work(job)` in a worker thread, unless a job under `key` is still in flight (then None:
    nothing new is started). A finished job not kept yet is replaced: keep it first (`keep`)."""
    if running(key):
        return None
    job = Job(key, label, data)
    tracked = session.work()  # before the job is stored: no rerun can strike between store and start
    st.session_state[_state_key(key)] = job  # from now on every run sees it in flight
    tracked.append(job.done)  # a wallet switch now waits for this job before closing its client
    threading.Thread(target=job._run, args=(work,), name=f"job-{key}-{job.token[:8]}", daemon=True).start()
    return job


def stop(key: str) -> None:
    """Ask the job under `key` to end early (a button's on_click: runs before the next run)."""
    job = get(key)
    if job is not None:
        job.stop()


def keep(key: str, store: Callable[[Job], None], *, job: Job | None = None) -> Job | None:
    """If the job under `key` (or `job`) has finished: hand it to `store` once, then forget it.
    Returns the job when it was finished (kept now or before), else None.

    `store` writes session_state only. A rerun can strike at any session_state access, but only before
    the access happens, so each write is whole; a `store` cut off halfway runs again on the next run
    (it must not add twice what it already added) and the job is marked kept only after it returned."""
    job = job or get(key)
    if job is None or job.running:
        return None
    if not job.kept:
        store(job)
        job.kept = True
    if get(key) is job:
        del st.session_state[_state_key(key)]
    return job


def wait(job: Job, timeout: float) -> bool:
    """Wait up to `timeout` s for `job`, then touch session_state: that is where Streamlit may stop
    this run for a rerun (a click), so a caller looping on `wait` stays interruptible."""
    finished = job.done.wait(timeout)
    get(job.key)
    return finished


def run_parallel(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Inside a job's work: run independent calls at once (Compare asks every provider together) and
    return their results in order. Each call must handle its own errors."""
    if not calls:
        return []
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="job-part") as pool:
        return list(pool.map(lambda call: call(), calls))
