"""`json.loads` that refuses deeply nested input before the C parser sees it.

Why: py-evm raises Python's recursion limit to 100000 (eth/__init__.py), so in any process that
imports it — the devnet runs the chain and the brokers in one — CPython's C JSON parser recurses on
`[[[[…` until it overflows the thread's C stack and the whole process dies with a segfault instead of
raising RecursionError. A linear scan that only counts brackets cannot overflow anything.

The limit: Go's encoding/json, which the real broker and geth use, refuses nesting deeper than 10000
with "exceeded max depth"; we use the same words but 512 levels. Real requests nest under 10 levels
(OpenAI bodies, JSON-RPC calls), and 512 keeps every accepted value safe to walk recursively again
(json.dumps, our own code) under Python's *default* recursion limit of 1000, in any thread —
10000 would only be safe while py-evm's raised limit is in force.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 512
# A complete JSON string: quote, then anything but quote/backslash or a backslash escape, then quote.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = tuple(1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256))
# Scan in slices, so a huge body never holds the GIL for long and most slices are skipped by counting.
_SLICE = 1 << 16


def loads(body: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse strict JSON like `json.loads`; ValueError("exceeded max depth") past `max_depth` nested
    arrays/objects, raised before parsing starts; ValueError for NaN/Infinity."""
    # Decode exactly as json.loads does (UTF-8/16/32 detected), so the scan sees the parser's text.
    text = body if isinstance(body, str) else body.decode(json.detect_encoding(body), "surrogatepass")
    check_depth(text, max_depth)
    return json.loads(text, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    """NaN, Infinity and -Infinity are not JSON (Go's encoding/json refuses them too); accepted, they
    would come back in a reply (a JSON-RPC id is echoed) that no JSON parser reads."""
    raise ValueError(f"{name} is not a JSON value")


def check_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise ValueError("exceeded max depth") if `text` nests arrays/objects deeper than `max_depth`.

    String contents are skipped (escapes included), so brackets inside strings never count. The scan
    is exact on any valid JSON prefix, which is all the parser ever reads before it stops."""
    if text.count("[") + text.count("{") <= max_depth:
        return  # cannot nest deeper than it has openers
    # In UTF-8, quote, backslash and brackets never occur inside a multi-byte character.
    raw = text.encode("utf-8", "surrogatepass")
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    depth = 0
    for start in range(0, len(brackets), _SLICE):
        piece = brackets[start:start + _SLICE]
        opens = piece.count(b"[") + piece.count(b"{")
        if depth + opens > max_depth and _deepest(piece, depth) > max_depth:
            raise ValueError("exceeded max depth")
        depth += opens - (len(piece) - opens)


def _deepest(brackets: bytes, depth: int) -> int:
    """The largest depth reached while walking `brackets` (only bracket bytes) from `depth`."""
    return max(accumulate(map(_STEP.__getitem__, brackets), initial=depth))


__all__ = ["MAX_DEPTH", "check_depth", "loads"]
