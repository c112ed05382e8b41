"""Route the SDK's print() output into logging, per thread.

contextlib.redirect_stdout swaps sys.stdout for the whole process, so in a multi-threaded server it
would swallow other threads' output. Instead a proxy is installed once; only threads inside
`sdk_output()` have their writes diverted to the `zerog_py_sdk.stdout` logger.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Iterator
from typing import Any, TextIO

_log = logging.getLogger("zerog_py_sdk.stdout")
_local = threading.local()
_install_lock = threading.Lock()


class _ThreadAwareStdout:
    def __init__(self, original: TextIO) -> None:
        self._original = original

    def write(self, text: str) -> int:
        if getattr(_local, "depth", 0) > 0:
            buf = getattr(_local, "buf", "") + text
            *lines, rest = buf.split("\n")
            for line in lines:
                if line.strip():
                    _log.info("%s", line)
            _local.buf = rest
            return len(text)
        return self._original.write(text)

    def flush(self) -> None:
        if getattr(_local, "depth", 0) == 0:
            self._original.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


def install() -> None:
    with _install_lock:
        if not isinstance(sys.stdout, _ThreadAwareStdout):
            sys.stdout = _ThreadAwareStdout(sys.stdout)


@contextlib.contextmanager
def sdk_output() -> Iterator[None]:
    """Inside this block, this thread's stdout goes to logging; other threads are untouched."""
    install()
    _local.depth = getattr(_local, "depth", 0) + 1
    try:
        yield
    finally:
        _local.depth -= 1
        if _local.depth == 0:
            rest = getattr(_local, "buf", "")
            if rest.strip():
                _log.info("%s", rest)
            _local.buf = ""
