"""Requests to a provider's broker (`/v1/proxy/...`) with httpx: typed results, costs, chat ids, caps.

Headers come from og_core's own session tokens (auth.py): no chain call once warm and never a
funding side effect (SDK pitfall #1).
"""

from __future__ import annotations

import base64
import json
import mimetypes
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from og_core.auth import SessionAuth
from og_core.bodies import (
    ACCEPT_ENCODING,
    MAX_IMAGE_RESPONSE_BYTES,
    MAX_JSON_BYTES,
    MAX_SMALL_BYTES,
    read_capped,
)
from og_core.discovery import provider_base
from og_core.errors import OgError, ProviderError, ProviderUnreachable
from og_core.images import provider_images
from og_core.provider_errors import provider_error, the_provider
from og_core.results import ChatResult, ImageResult, TranscriptResult
from og_core.safety import UrlGuard, deadline
from og_core.service import ServiceInfo
from og_core.streaming import ChatStream, StreamReader, StreamState
from og_core.usage import chat_cost_breakdown, usage_from

CHAT_ID_HEADER = "ZG-Res-Key"
SESSION_RETRY_DELAYS_S = (0.0, 0.0, 0.8, 1.6)  # first try, fresh token, then wait out a provider's cache
STREAM_STALL_S = 30.0  # longest silence between two chunks once a stream has started
STREAM_MAX_S = 600.0  # longest a streamed answer may take in all
FEE_TIMEOUT_S = 10.0


def _who(service: ServiceInfo) -> str:
    return the_provider(service.provider, service.model)


def _unreachable(exc: Exception, service: ServiceInfo, timeout_s: float | None = None) -> ProviderUnreachable:
    if isinstance(exc, httpx.TimeoutException):
        within = f" (within {timeout_s:g} s)" if timeout_s else ""
        return ProviderUnreachable(f"{_who(service)} did not answer in time{within}.",
                                   "It may be overloaded; try again or pick another provider.",
                                   kind="timeout", detail=type(exc).__name__)
    return ProviderUnreachable(f"{_who(service)} cannot be reached.",
                               "It may be offline; try again later or pick another provider.",
                               kind="unreachable", detail=f"{type(exc).__name__}: {exc}"[:300])


def _error_body(resp: httpx.Response) -> bytes:
    """An error answer's (capped) body for the message; unreadable → empty."""
    try:
        return read_capped(resp, MAX_SMALL_BYTES)
    except (httpx.HTTPError, OgError):
        return b""


@dataclass(frozen=True)
class _Reply:
    """A provider's 200 answer, read in full (size-capped) and closed."""

    headers: httpx.Headers
    content: bytes
    request_body: bytes


_POST_HEADERS = {"Accept": "*/*", "Accept-Encoding": ACCEPT_ENCODING, "User-Agent": "og-core"}


class Inference:
    """Provider requests with overall deadlines, not just per-read timeouts:

    - a non-streaming request (connect, upload, answer) ends within `timeout_s` in all;
    - a stream's first bytes arrive within `timeout_s`, then it may pause at most `stall_s`
      (default min(timeout_s, 30 s)) between chunks and last at most `stream_max_s` in all.
    """

    def __init__(self, auth: SessionAuth, http: httpx.Client, guard: UrlGuard, address: str | None,
                 timeout_s: float = 120.0, *, stall_s: float | None = None,
                 stream_max_s: float = STREAM_MAX_S) -> None:
        self._auth = auth
        self._http = http
        self._guard = guard
        self._address = address
        self._timeout_s = timeout_s
        self._stream_max_s = stream_max_s
        self._streams = StreamReader(timeout_s, min(timeout_s, STREAM_STALL_S) if stall_s is None else stall_s,
                                     stream_max_s)
        self._timeout = httpx.Timeout(timeout_s, connect=10.0)
        # Inference POSTs go straight to a pooled transport: no cookies to carry between providers,
        # no redirects to follow, and none of the client's per-request machinery on the hot path.
        # It connects only where the guard allows and honours `deadline`.
        self._transport = guard.transport()
        self._urls: dict[tuple[str, str], httpx.URL] = {}

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        self._transport.close()

    def _url(self, service: ServiceInfo, path: str) -> str:
        return self._guard.check(provider_base(service.url) + path)

    def _parsed_url(self, service: ServiceInfo, path: str) -> httpx.URL:
        # Checked and parsed once per (provider URL, route): URL parsing is a good share of a
        # loopback request's client-side cost. The cache is per client and tiny.
        key = (service.url, path)
        url = self._urls.get(key)
        if url is None:
            url = self._urls[key] = httpx.URL(self._url(service, path))
        return url

    def _send(self, service: ServiceInfo, path: str, *, json_body: dict | None = None,
              files: dict | None = None, data: dict | None = None) -> _Reply:
        """POST and read the whole (size-capped) answer, all within `timeout_s`."""
        cap = MAX_IMAGE_RESPONSE_BYTES if files or path.startswith("/v1/proxy/images") else MAX_JSON_BYTES
        with deadline(time.monotonic() + self._timeout_s):
            resp, body = self._open(service, path, json_body=json_body, files=files, data=data)
            try:
                content = read_capped(resp, cap)
            except httpx.HTTPError as exc:
                raise _unreachable(exc, service, self._timeout_s) from exc
            finally:
                resp.close()
        return _Reply(resp.headers, content, body)

    def _open(self, service: ServiceInfo, path: str, *, json_body: dict | None = None,
              files: dict | None = None, data: dict | None = None) -> tuple[httpx.Response, bytes]:
        """POST with the session token and return the open 200 response (the caller reads and closes
        it) and the request body; one retry with a fresh token after `validate session`."""
        url = self._parsed_url(service, path)
        content = json.dumps(json_body, separators=(",", ":")).encode() if json_body is not None else None
        for attempt, delay in enumerate(SESSION_RETRY_DELAYS_S):
            if delay:  # sleep(0) still yields the CPU: ~0.2 ms on the hot path
                time.sleep(delay)
            headers = {**_POST_HEADERS, **self._auth.headers(service.provider)}
            if content is not None:
                headers["Content-Type"] = "application/json"
            request = httpx.Request("POST", url, content=content, files=files, data=data, headers=headers,
                                    extensions={"timeout": self._timeout.as_dict()})
            body = request.read()
            try:
                resp = self._transport.handle_request(request)
            except httpx.HTTPError as exc:
                raise _unreachable(exc, service, self._timeout_s) from exc
            if resp.status_code == 200:
                return resp, body
            try:
                err_body = _error_body(resp)
            finally:
                resp.close()
            error = provider_error(resp.status_code, err_body, provider=service.provider, model=service.model)
            if error.kind == "session" and attempt + 1 < len(SESSION_RETRY_DELAYS_S):
                # After revokeAllTokens the generation changed; a fresh token fixes it, but the provider
                # may serve its cached account state for a moment, so retry briefly.
                self._auth.invalidate(service.provider)
                continue
            raise error
        raise AssertionError("unreachable")  # the loop always returns or raises

    @staticmethod
    def _json(content: bytes, service: ServiceInfo) -> dict[str, Any]:
        try:
            data = json.loads(content)
        except ValueError as exc:
            raise ProviderError(f"{_who(service)} answered with something that is not JSON.",
                                "Try again or pick another provider.", kind="garbage",
                                detail=content[:200].decode("utf-8", "replace")) from exc
        if not isinstance(data, dict):
            raise ProviderError(f"{_who(service)} answered in an unexpected format.",
                                "Try again or pick another provider.", kind="garbage")
        return data

    @staticmethod
    def _chat_id(headers: httpx.Headers, data_id: Any) -> tuple[str | None, Literal["ZG-Res-Key", "id", "none"]]:
        header = headers.get(CHAT_ID_HEADER)
        if header:
            return header, "ZG-Res-Key"
        if data_id:
            return str(data_id), "id"
        return None, "none"

    # ------------------------------------------------------------------ chat
    def chat(self, service: ServiceInfo, messages: Sequence[dict[str, Any]], *, model: str | None = None,
             **params: Any) -> ChatResult:
        model = model or service.model
        started = time.perf_counter()
        reply = self._send(service, "/v1/proxy/chat/completions",
                           json_body={"model": model, "messages": list(messages), **params, "stream": False})
        latency = (time.perf_counter() - started) * 1000
        data = self._json(reply.content, service)
        try:
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
            finish = choice.get("finish_reason")
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ProviderError(f"{_who(service)} sent an answer without a message.",
                                "Try again or pick another provider.", kind="garbage") from exc
        usage = usage_from(data.get("usage"))
        chat_id, source = self._chat_id(reply.headers, data.get("id"))
        bill = chat_cost_breakdown(service, usage)  # on-chain prices; OgClient reprices from /v1/models
        return ChatResult(provider=service.provider, model=model, text=str(text), chat_id=chat_id,
                          chat_id_source=source, usage=usage, cost_wei=bill.total_wei, latency_ms=latency,
                          ttft_ms=None, finish_reason=finish, request_body=reply.request_body,
                          response_body=reply.content, billing=bill)

    def chat_stream(self, service: ServiceInfo, messages: Sequence[dict[str, Any]], *, model: str | None = None,
                    stop_event: threading.Event | None = None, **params: Any) -> ChatStream:
        model = model or service.model
        stop = stop_event or threading.Event()
        started, t0 = time.perf_counter(), time.monotonic()
        with deadline(t0 + min(self._timeout_s, self._stream_max_s)):
            resp, body = self._open(service, "/v1/proxy/chat/completions",
                                    json_body={"model": model, "messages": list(messages), **params, "stream": True})
        header_id = resp.headers.get(CHAT_ID_HEADER)
        state = StreamState(service, model, body, started, t0, header_id, "ZG-Res-Key" if header_id else "none")
        return self._streams.start(resp, state, stop)

    # ------------------------------------------------------------------ images / audio
    def _images(self, service: ServiceInfo, data: dict[str, Any]) -> tuple[bytes, ...]:
        images = []
        for item in data.get("data") or []:
            if not isinstance(item, dict):
                continue
            if item.get("b64_json"):
                try:
                    images.append(base64.b64decode(item["b64_json"], validate=False))
                except ValueError as exc:
                    raise ProviderError(f"{_who(service)} sent an image that cannot be decoded.", "Try again.",
                                        kind="garbage") from exc
            elif item.get("url"):
                url = self._guard.check(str(item["url"]))
                try:
                    with (deadline(time.monotonic() + self._timeout_s),
                          self._http.stream("GET", url, timeout=self._timeout) as resp):
                        if resp.status_code != 200:  # an error page is not an image
                            raise provider_error(resp.status_code, _error_body(resp), provider=service.provider,
                                                 model=service.model)
                        images.append(read_capped(resp, MAX_IMAGE_RESPONSE_BYTES))
                except httpx.HTTPError as exc:
                    raise _unreachable(exc, service, self._timeout_s) from exc
        if not images:
            raise ProviderError(f"{_who(service)} sent no image.", "Try again.", kind="garbage")
        return tuple(images)

    def _image_result(self, service: ServiceInfo, model: str, reply: _Reply, started: float) -> ImageResult:
        data = self._json(reply.content, service)
        images = provider_images(self._images(service, data), _who(service))  # format + pixel budget
        chat_id, _ = self._chat_id(reply.headers, data.get("id"))
        return ImageResult(provider=service.provider, model=model, images=images, chat_id=chat_id,
                           cost_wei=len(images) * service.output_price_wei,
                           latency_ms=(time.perf_counter() - started) * 1000, request_body=reply.request_body,
                           response_body=reply.content)

    def generate_images(self, service: ServiceInfo, prompt: str, *, n: int = 1, size: str = "512x512",
                        model: str | None = None, **params: Any) -> ImageResult:
        model = model or service.model
        started = time.perf_counter()
        reply = self._send(service, "/v1/proxy/images/generations", json_body={
            "model": model, "prompt": prompt, "n": n, "size": size, "response_format": "b64_json", **params})
        return self._image_result(service, model, reply, started)

    def edit_image(self, service: ServiceInfo, image: bytes, prompt: str, *, n: int = 1, size: str | None = None,
                   model: str | None = None, filename: str = "image.png") -> ImageResult:
        model = model or service.model
        started = time.perf_counter()
        form = {"prompt": prompt, "model": model, "n": str(n), "response_format": "b64_json"}
        if size:
            form["size"] = size
        mime = mimetypes.guess_type(filename)[0] or "image/png"
        reply = self._send(service, "/v1/proxy/images/edits", files={"image": (filename, image, mime)}, data=form)
        return self._image_result(service, model, reply, started)

    def transcribe(self, service: ServiceInfo, audio: bytes, *, filename: str = "audio.wav",
                   language: str | None = None, model: str | None = None) -> TranscriptResult:
        model = model or service.model
        started = time.perf_counter()
        form = {"model": model, "response_format": "json"}
        if language:
            form["language"] = language
        mime = mimetypes.guess_type(filename)[0] or "audio/wav"
        reply = self._send(service, "/v1/proxy/audio/transcriptions", files={"file": (filename, audio, mime)},
                           data=form)
        data = self._json(reply.content, service)
        if "text" not in data:
            raise ProviderError(f"{_who(service)} sent no transcript.", "Try again.", kind="garbage")
        usage = usage_from(data.get("usage"))
        chat_id, _ = self._chat_id(reply.headers, data.get("id"))
        return TranscriptResult(provider=service.provider, model=model, text=str(data["text"]), chat_id=chat_id,
                                usage=usage, cost_wei=usage.completion_tokens * service.output_price_wei,
                                latency_ms=(time.perf_counter() - started) * 1000,
                                request_body=reply.request_body, response_body=reply.content)

    # ------------------------------------------------------------------ fees
    def unsettled_fee(self, service: ServiceInfo) -> int:
        if self._address is None:
            return 0
        url = self._url(service, f"/v1/user/{self._address}/unsettledfee")
        headers = self._auth.headers(service.provider)
        try:
            with (deadline(time.monotonic() + FEE_TIMEOUT_S),
                  self._http.stream("GET", url, headers=headers, timeout=FEE_TIMEOUT_S) as resp):
                if resp.status_code != 200:
                    raise provider_error(resp.status_code, _error_body(resp), provider=service.provider,
                                         model=service.model)
                content = read_capped(resp, MAX_SMALL_BYTES)
        except httpx.HTTPError as exc:
            raise _unreachable(exc, service, FEE_TIMEOUT_S) from exc
        data = self._json(content, service)
        try:
            return int(str(data.get("unsettledFee", "0")))
        except ValueError as exc:
            raise ProviderError(f"{_who(service)} reported an unreadable unsettled fee.", "",
                                kind="garbage") from exc
