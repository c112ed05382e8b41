"""The chat engine's prompt cache: a prompt that starts with messages this user sent recently (the same
conversation re-sent with one more turn, say) reads that prefix from the cache, and the usage says so
(`prompt_tokens_details.cached_tokens`, `cache_write_tokens`), as a caching upstream reports it.

A prefix is whole messages, keyed by a chained hash of them, per user (one user's prompts never show
in another's counts), kept TTL_S seconds (the 5-minute cache) and at most MAX_ENTRIES in all.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

TTL_S = 300.0
MAX_ENTRIES = 20_000


@dataclass(frozen=True)
class CacheUse:
    cached_tokens: int  # the longest recently seen prefix
    write_tokens: int  # the rest of the messages, written now
    keys: tuple[bytes, ...]  # the prefixes' keys, stored once the answer is given


def prefix_keys(user: str, messages: Sequence[dict]) -> tuple[bytes, ...]:
    """keys[i] stands for messages[:i + 1] of `user`."""
    keys, h = [], hashlib.sha256(user.lower().encode()).digest()
    for m in messages:
        h = hashlib.sha256(h + json.dumps([m.get("role"), m.get("content")], ensure_ascii=False).encode()).digest()
        keys.append(h)
    return tuple(keys)


class PromptCache:
    def __init__(self, ttl_s: float = TTL_S, max_entries: int = MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._seen: OrderedDict[bytes, float] = OrderedDict()  # key -> expiry

    def look_up(self, user: str, messages: Sequence[dict], prefix_tokens: Sequence[int]) -> CacheUse:
        """How much of this prompt is cached; `prefix_tokens[i]` counts messages[:i + 1]."""
        keys = prefix_keys(user, messages)
        now = self._clock()
        cached = 0
        for key, tokens in zip(keys, prefix_tokens, strict=True):
            expiry = self._seen.get(key)
            if expiry is None or expiry <= now:
                break
            cached = tokens
        total = prefix_tokens[-1] if prefix_tokens else 0
        return CacheUse(cached, total - cached, keys)

    def store(self, use: CacheUse) -> None:
        """Remember the prompt's prefixes (after it was answered and billed); a hit refreshes its TTL."""
        expiry = self._clock() + self.ttl_s
        for key in use.keys:
            self._seen[key] = expiry
            self._seen.move_to_end(key)
        while len(self._seen) > self.max_entries:
            self._seen.popitem(last=False)
