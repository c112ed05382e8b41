"""Start a local 0G network in a child process and hand back what it printed.

The app, the tests and the benchmarks all use this: the network runs in its own process
(its own GIL, its own crash domain) and is reached only over the protocol.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class DevnetStartError(RuntimeError):
    """The local network did not come up; the message carries the tail of its log."""


@dataclass
class DevnetHandle:
    """A running local network. `info` is the ready JSON described in docs/interfaces.md."""

    process: subprocess.Popen
    info: dict[str, Any]
    log_path: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def rpc_url(self) -> str:
        return self.info["rpc_url"]

    @property
    def providers(self) -> list[dict[str, Any]]:
        return self.info["providers"]

    def provider(self, name: str) -> dict[str, Any]:
        for p in self.info["providers"]:
            if p["name"] == name:
                return p
        raise KeyError(name)

    def stop(self, timeout: float = 10.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        _terminate(self.process, timeout)

    def __enter__(self) -> DevnetHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _terminate(proc: subprocess.Popen, timeout: float) -> None:
    if proc.poll() is not None:
        return
    try:
        # The child leads its own process group: signal the group so nothing is orphaned.
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def start_devnet(
    port: int = 0,
    contracts: str = "ours",
    *,
    settle_interval: float | None = None,
    no_limits: bool = False,
    lock_time: int | None = None,
    stream_pace_ms: float = 0.0,
    speech_limit_s: float | None = None,
    ready_demo: bool = True,
    status_interval: float = 0.0,
    llm: bool | None = None,
    timeout: float = 90.0,
    log_path: str | os.PathLike[str] | None = None,
) -> DevnetHandle:
    """Start `python -m og_devnet` on loopback and wait until it is ready.

    port=0 picks free ports. status_interval: seconds between the status service's checks; 0 (the
    default here, for tests and benchmarks) keeps the network quiet: it answers, but checks nothing.
    llm=None serves the local language model when it is installed (and OG_DEVNET_NO_LLM is not set),
    True/False asks for it or not. Raises DevnetStartError (with the log tail) if it fails to start.
    """
    workdir = Path(tempfile.mkdtemp(prefix="og-devnet-"))
    ready = workdir / "ready.json"
    log = Path(log_path) if log_path else workdir / "devnet.log"
    args = [sys.executable, "-m", "og_devnet", "--port", str(port), "--contracts", contracts,
            "--ready-file", str(ready), "--quiet", "--exit-with-parent", "--status-interval", str(status_interval)]
    if settle_interval is not None:
        args += ["--settle-interval", str(settle_interval)]
    if no_limits:
        args.append("--no-limits")
    if lock_time is not None:
        args += ["--lock-time", str(lock_time)]
    if stream_pace_ms:
        args += ["--stream-pace-ms", str(stream_pace_ms)]
    if not ready_demo:
        args.append("--no-ready-demo")
    if speech_limit_s is not None:
        args += ["--speech-limit-s", str(speech_limit_s)]
    if llm is not None:
        args.append("--llm" if llm else "--no-llm")
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONUNBUFFERED", "1")
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd=root, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready.exists():
            info = json.loads(ready.read_text())
            handle = DevnetHandle(proc, info, log)
            atexit.register(handle.stop)
            return handle
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    _terminate(proc, 5)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:]) if log.exists() else ""
    raise DevnetStartError(f"the local network did not start (exit code {proc.returncode}):\n{tail}")
