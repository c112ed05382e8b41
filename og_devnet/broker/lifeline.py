"""Child processes that never outlive their parent."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int, sig: int = signal.SIGKILL) -> None:
    """Ask the kernel to send `sig` to this process when its parent dies (Linux; elsewhere a no-op, and
    the callers' pipes still end idle children). `parent_pid` is the parent's pid as the parent saw it
    when it forked, to catch a parent that died before this call. Note the kernel's rule: "parent" is the *thread*
    that forked us, so fork from the main thread. SIGKILL because a busy engine holds the interpreter
    lock and would never run a Python signal handler."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os.kill(os.getpid(), sig)
