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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from og_core.auth import SessionAuth
from og_core.bodies import (
    ACCEPT_ENCODING,
    MAX_IMAGE_RESPONSE_BYTES,
    MAX_JSON_BYTES,
    MAX_SMALL_BYTES,
    MAX_STREAM_BYTES,
    decoded_chunks,
    read_capped,
)
from og_core.discovery import provider_base
from og_core.errors import OgError, ProviderError, ProviderUnreachable
from og_core.pricing import ChatCost, Pricing, UsageCounts, pricing_for
from og_core.pricing import chat_cost as price_chat
from og_core.provider_errors import provider_error, provider_name
from og_core.safety import UrlGuard, abort_response, deadline
from og_core.types import ChatResult, ImageResult, ServiceInfo, TranscriptResult, Usage

CHAT_ID_HEADER = "ZG-Res-Key"
SESSION_RETRY_DELAYS_S = (0.0, 0.0, 0.8, 1.6)  # first try, fresh token, then wait out a provider's cache
STREAM_STALL_S = 30.0  # longest silence between two chunks once a stream has started
STREAM_MAX_S = 600.0  # longest a streamed answer may take in all
FEE_TIMEOUT_S = 10.0


def _who(service: ServiceInfo) -> str:
    """'The provider local/chat-tee at 0x12ab…cd34': by its model, which people recognise, not only hex."""
    return f"The provider {provider_name(service.provider, service.model)}"


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


def _usage(data: Any) -> Usage:
    if not isinstance(data, dict):
        return Usage()
    prompt = int(data.get("prompt_tokens", data.get("input_tokens", 0)) or 0)
    completion = int(data.get("completion_tokens", data.get("output_tokens", 0)) or 0)
    total = int(data.get("total_tokens", prompt + completion) or 0)
    cache = UsageCounts.from_usage(data)
    return Usage(prompt, completion, total, cache.cached_tokens, cache.cache_write_tokens, cache.cache_write_1h_tokens)


def chat_cost(service: ServiceInfo, usage: Usage) -> int:
    """What the provider bills for this usage: its tier and cache billing applied (og_core.pricing), as
    its broker computes it. A multi-model service's per-model prices are in /v1/models, not known here:
    its on-chain prices (the ceiling) are used."""
    return chat_cost_breakdown(service, usage).total_wei


def chat_cost_breakdown(service: ServiceInfo, usage: Usage, pricing: Pricing | None = None) -> ChatCost:
    """The fee by fee of `usage` at `pricing` (default: the service's on-chain prices, tiers and cache)."""
    if pricing is None:
        pricing = pricing_for(service.input_price_wei, service.output_price_wei, service.additional_info)
    return price_chat(pricing, UsageCounts(usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens,
                                           usage.cache_write_tokens, usage.cache_write_1h_tokens))


@dataclass(frozen=True)
class _Reply:
    """A provider's 200 answer, read in full (size-capped) and closed."""

    headers: httpx.Headers
    content: bytes
    request_body: bytes


@dataclass
class _StreamState:
    service: ServiceInfo
    model: str
    request_body: bytes
    started: float  # perf_counter, for latencies
    t0: float  # time.monotonic() at the start, for deadlines
    chat_id: str | None
    chat_id_source: str
    raw: bytearray = field(default_factory=bytearray)
    text: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    done: bool = False
    ttft_ms: float | None = None
    ended: float | None = None
    cut_reason: str | None = None
    stopped: bool = False
    last_byte: float | None = None  # time.monotonic() of the latest chunk
    waiting_for: str = "first"  # which deadline the current read runs under: first | stall | cap
    events: int = 0  # SSE data events that parsed as JSON objects
    closed: bool = False
    # stop() from another thread must not shut down a connection the pool already gave to someone else
    lock: threading.Lock = field(default_factory=threading.Lock)


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
        self._stall_s = min(timeout_s, STREAM_STALL_S) if stall_s is None else stall_s
        self._stream_max_s = stream_max_s
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
        usage = _usage(data.get("usage"))
        chat_id, source = self._chat_id(reply.headers, data.get("id"))
        return ChatResult(provider=service.provider, model=model, text=str(text), chat_id=chat_id,
                          chat_id_source=source, usage=usage, cost_wei=chat_cost(service, usage), latency_ms=latency,
                          ttft_ms=None, finish_reason=finish, request_body=reply.request_body,
                          response_body=reply.content)

    def chat_stream(self, service: ServiceInfo, messages: Sequence[dict[str, Any]], *, model: str | None = None,
                    stop_event: threading.Event | None = None, **params: Any) -> Any:
        from og_core.client import ChatStream

        model = model or service.model
        stop = stop_event or threading.Event()
        started, t0 = time.perf_counter(), time.monotonic()
        with deadline(t0 + min(self._timeout_s, self._stream_max_s)):
            resp, body = self._open(service, "/v1/proxy/chat/completions",
                                    json_body={"model": model, "messages": list(messages), **params, "stream": True})
        header_id = resp.headers.get(CHAT_ID_HEADER)
        state = _StreamState(service, model, body, started, t0, header_id, "ZG-Res-Key" if header_id else "none")
        return ChatStream(self._pieces(resp, state, stop), lambda: self._finish(state), stop,
                          abort=lambda: self._abort(resp, state))

    def _next_deadline(self, state: _StreamState) -> float:
        """When the next chunk must have arrived; records which limit that is for the cut reason."""
        if state.last_byte is None:
            at, state.waiting_for = state.t0 + self._timeout_s, "first"
        else:
            at, state.waiting_for = state.last_byte + self._stall_s, "stall"
        cap = state.t0 + self._stream_max_s
        if cap <= at:
            at, state.waiting_for = cap, "cap"
        return at

    def _timeout_reason(self, state: _StreamState) -> str:
        if state.waiting_for == "cap":
            return f"the answer took longer than {self._stream_max_s:g} s in all and was cut (timeout)"
        if state.waiting_for == "first":
            return f"the provider sent nothing within {self._timeout_s:g} s (timeout)"
        return f"the provider stopped sending for {self._stall_s:g} s (timeout)"

    @staticmethod
    def _abort(resp: httpx.Response, state: _StreamState) -> None:
        with state.lock:
            # A stop before the answer was complete is the user's stop, whatever the reader was doing
            # (it may have been closed mid-iteration, e.g. by a Streamlit rerun), not a cut.
            if not state.done and state.finish_reason is None and state.cut_reason is None:
                state.stopped = True
            if not state.closed:
                abort_response(resp)

    def _pieces(self, resp: httpx.Response, state: _StreamState, stop: threading.Event) -> Iterator[str]:
        buffer = bytearray()  # the unfinished line; a bytearray, so a long line costs linear time
        chunks = decoded_chunks(resp, None)  # ≤ 64 KiB decoded each; the size limit is counted below
        try:
            while True:
                with deadline(self._next_deadline(state)):
                    chunk = next(chunks, None)
                if chunk is None:
                    break
                state.last_byte = time.monotonic()
                state.raw += chunk
                if len(state.raw) > MAX_STREAM_BYTES:
                    state.cut_reason = "the answer exceeded the size limit and was cut"
                    return
                buffer += chunk
                end = chunk.rfind(b"\n")
                if end >= 0:
                    end += len(buffer) - len(chunk)
                    lines = bytes(buffer[:end]).split(b"\n")
                    del buffer[:end + 1]
                    for line in lines:
                        piece = self._sse_line(line, state)
                        if piece:
                            yield piece
                if stop.is_set():
                    state.stopped = True
                    return
            if buffer.strip():
                piece = self._sse_line(bytes(buffer), state)
                if piece:
                    yield piece
            if not state.events and not state.done:
                piece = self._not_a_stream(state)
                if piece:
                    yield piece
        except ProviderError as exc:  # a compression this app does not read, or a damaged one
            state.cut_reason = exc.message.rstrip(".")[:1].lower() + exc.message.rstrip(".")[1:]
        except httpx.HTTPError as exc:
            if stop.is_set():  # stop() shut the connection down under a blocked read
                state.stopped = True
            elif isinstance(exc, httpx.TimeoutException):
                state.cut_reason = self._timeout_reason(state)
            else:
                state.cut_reason = f"the connection broke ({type(exc).__name__})"
        finally:
            state.ended = time.perf_counter()
            with state.lock:
                state.closed = True
                resp.close()

    @staticmethod
    def _sse_line(line: bytes, state: _StreamState) -> str | None:
        line = line.strip()
        if not line.startswith(b"data:"):
            return None
        payload = line[5:].strip()
        if payload == b"[DONE]":
            state.done = True
            return None
        try:
            event = json.loads(payload)
        except ValueError:
            return None  # a garbled event is skipped; the signature check still covers the raw text
        if not isinstance(event, dict):
            return None
        state.events += 1
        if event.get("error"):
            state.cut_reason = f"the provider reported an error mid-stream: {str(event['error'])[:200]}"
            return None
        if state.chat_id is None and event.get("id"):
            state.chat_id, state.chat_id_source = str(event["id"]), "id"
        if event.get("usage"):
            state.usage = _usage(event["usage"])
        piece = None
        choices = event.get("choices") or []
        if choices and isinstance(choices[0], dict):
            delta = choices[0].get("delta") or {}
            piece = delta.get("content") if isinstance(delta, dict) else None
            if choices[0].get("finish_reason"):
                state.finish_reason = choices[0]["finish_reason"]
        if piece:
            if state.ttft_ms is None:
                state.ttft_ms = (time.perf_counter() - state.started) * 1000
            state.text.append(str(piece))
            return str(piece)
        return None

    @staticmethod
    def _not_a_stream(state: _StreamState) -> str | None:
        """A 200 answer without a single SSE event: a provider that ignored `stream: true` and sent
        one JSON completion gets its text used; anything else (an HTML page, noise) is an error in
        words rather than an empty "answer" that was billed for nothing."""
        service = state.service
        try:
            data = json.loads(bytes(state.raw))
            text = data["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ProviderError(f"{_who(service)} answered with something that is not a stream "
                                "of answer events.", "Try again or pick another provider.", kind="garbage",
                                detail=bytes(state.raw[:200]).decode("utf-8", "replace")) from exc
        state.events, state.done = 1, True
        state.finish_reason = data["choices"][0].get("finish_reason") or "stop"
        state.usage = _usage(data.get("usage"))
        if state.chat_id is None and data.get("id"):
            state.chat_id, state.chat_id_source = str(data["id"]), "id"
        if text:
            state.ttft_ms = (time.perf_counter() - state.started) * 1000
            state.text.append(str(text))
        return str(text) or None

    @staticmethod
    def _finish(state: _StreamState) -> ChatResult:
        ended = state.ended or time.perf_counter()
        cut_reason = state.cut_reason
        if cut_reason is None and not state.stopped and not state.done and state.finish_reason is None:
            cut_reason = "the stream ended before the provider finished the answer"
        return ChatResult(
            provider=state.service.provider, model=state.model, text="".join(state.text), chat_id=state.chat_id,
            chat_id_source=state.chat_id_source,  # type: ignore[arg-type]
            usage=state.usage, cost_wei=chat_cost(state.service, state.usage),
            latency_ms=(ended - state.started) * 1000, ttft_ms=state.ttft_ms, finish_reason=state.finish_reason,
            cut=cut_reason is not None, cut_reason=cut_reason, stopped=state.stopped,
            request_body=state.request_body, response_body=bytes(state.raw))

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
        images = self._images(service, data)
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
        usage = _usage(data.get("usage"))
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
