"""One check of one provider, over HTTP as any client would make it, bounded in time and size.

A chatbot is checked with a real paid, streamed chat request (response time, time to first token and
tokens per second); every service also has its free `/v1/models` read, which is the whole check of the
other service types (a paid image or transcription every few seconds would be all the machine did).
Only loopback URLs are checked: the local network's providers live there, and a registrant must not
point the status service anywhere else.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx

from .metrics import Check

CHECK_TIMEOUT_S = 15.0
MAX_BODY_BYTES = 512 * 1024  # a check's answer, read raw (never decompressed)
MAX_MODEL_OBJECTS = 20  # per provider, in /models
PROMPTS = ("What is 0G?", "What is 12 * 7?", "Say hello in one sentence.", "What does a TEE do?")
_LOOPBACK_NAMES = {"localhost"}


def checkable_url(url: str) -> str | None:
    """The provider's base URL without a trailing slash, or None when the status service won't go there."""
    if not isinstance(url, str) or any(ord(ch) < 33 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
        _ = parts.port  # ValueError when out of range
        host = parts.hostname or ""
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    if host not in _LOOPBACK_NAMES:
        try:
            if not ip_address(host).is_loopback:
                return None
        except ValueError:
            return None
    return url.rstrip("/")


@dataclass(frozen=True)
class Target:
    """A registered service to check."""

    provider: str
    url: str  # checkable base URL
    model: str
    service_type: str


async def _read_capped(response: httpx.Response) -> bytes:
    chunks, size = [], 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ValueError("answer too large")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_models(client: httpx.AsyncClient, target: Target) -> tuple[Check, list[dict[str, Any]]]:
    """GET /v1/models: a check of its own, and the provider's model objects (for /models)."""
    start = time.perf_counter()
    try:
        with anyio.fail_after(CHECK_TIMEOUT_S):
            async with client.stream("GET", target.url + "/v1/models") as response:
                body = await _read_capped(response)
        if response.status_code != 200:
            raise ValueError(f"HTTP {response.status_code}")
        data = json.loads(body)
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ValueError("no model list")
    except (httpx.HTTPError, ValueError, TimeoutError, UnicodeDecodeError) as exc:
        return Check(ok=False, at=time.time(), error=_why(exc)), []
    objects = [o for o in items if isinstance(o, dict) and isinstance(o.get("id"), str)][:MAX_MODEL_OBJECTS]
    return Check(ok=True, at=time.time(), response_ms=(time.perf_counter() - start) * 1000), objects


async def chat_check(client: httpx.AsyncClient, target: Target, authorization: str, prompt: str) -> Check:
    """A paid, streamed chat request; passes when the answer streams to its end with some content."""
    body = {"model": target.model, "messages": [{"role": "user", "content": prompt}], "stream": True,
            "max_tokens": 48}
    headers = {"Authorization": authorization, "Accept-Encoding": "identity"}
    start = time.perf_counter()
    first: float | None = None
    pieces, usage_tokens, done = 0, None, False
    try:
        with anyio.fail_after(CHECK_TIMEOUT_S):
            async with client.stream("POST", target.url + "/v1/proxy/chat/completions", json=body,
                                     headers=headers) as response:
                if response.status_code != 200:
                    raise ValueError(f"HTTP {response.status_code}")
                buffer, size = b"", 0
                async for chunk in response.aiter_raw():
                    size += len(chunk)
                    if size > MAX_BODY_BYTES:
                        raise ValueError("answer too large")
                    buffer += chunk
                    *lines, buffer = buffer.split(b"\n")
                    for line in lines:
                        event = _event(line)
                        if event is None:
                            continue
                        if event == "[DONE]":
                            done = True
                            continue
                        if _content(event):
                            pieces += 1
                            if first is None:
                                first = time.perf_counter()
                        usage_tokens = _completion_tokens(event) or usage_tokens
        end = time.perf_counter()
        if not done or first is None:
            raise ValueError("the answer did not stream to its end" if first is not None else "no answer")
    except (httpx.HTTPError, ValueError, TimeoutError, UnicodeDecodeError) as exc:
        return Check(ok=False, at=time.time(), error=_why(exc))
    tokens = usage_tokens or pieces
    rate = tokens / (end - first) if end - first > 1e-6 else None
    return Check(ok=True, at=time.time(), response_ms=(end - start) * 1000, ttft_ms=(first - start) * 1000,
                 tokens_per_second=rate)


def _event(line: bytes) -> Any:
    line = line.strip()
    if not line.startswith(b"data:"):
        return None
    payload = line[5:].strip().decode()
    if payload == "[DONE]":
        return payload
    try:
        event = json.loads(payload)
    except ValueError:
        raise ValueError("an event is not JSON") from None
    if isinstance(event, dict) and "error" in event:
        raise ValueError("the provider sent an error event")
    return event


def _content(event: Any) -> str:
    try:
        text = event["choices"][0]["delta"].get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        return ""
    return text if isinstance(text, str) else ""


def _completion_tokens(event: Any) -> int | None:
    usage = event.get("usage") if isinstance(event, dict) else None
    value = usage.get("completion_tokens") if isinstance(usage, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _why(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {CHECK_TIMEOUT_S:g} s"
    return f"{type(exc).__name__}: {exc}"[:200]
