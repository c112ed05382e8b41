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
from typing import Any

import httpx

from og_core.auth import SessionAuth
from og_core.discovery import provider_base
from og_core.errors import OgError, ProviderError, ProviderUnreachable, provider_error
from og_core.safety import (
    MAX_IMAGE_RESPONSE_BYTES,
    MAX_JSON_BYTES,
    MAX_SMALL_BYTES,
    MAX_STREAM_BYTES,
    UrlGuard,
)
from og_core.types import ChatResult, ImageResult, ServiceInfo, TranscriptResult, Usage

CHAT_ID_HEADER = "ZG-Res-Key"
SESSION_RETRY_DELAYS_S = (0.0, 0.0, 0.8, 1.6)  # first try, fresh token, then wait out a provider's cache


def _unreachable(exc: Exception, service: ServiceInfo, timeout_s: float | None = None) -> ProviderUnreachable:
    if isinstance(exc, httpx.TimeoutException):
        return ProviderUnreachable(f"The provider {service.provider} did not answer in time.",
                                   "It may be overloaded; try again or pick another provider.",
                                   kind="timeout", detail=type(exc).__name__)
    return ProviderUnreachable(f"The provider {service.provider} cannot be reached.",
                               "It may be offline; try again later or pick another provider.",
                               kind="unreachable", detail=f"{type(exc).__name__}: {exc}"[:300])


def _read_capped(resp: httpx.Response, cap: int, service: ServiceInfo) -> bytes:
    chunks, size = [], 0
    for chunk in resp.iter_bytes():
        size += len(chunk)
        if size > cap:
            resp.close()
            raise ProviderError(f"The provider's answer is larger than {cap // (1024 * 1024)} MB; it was refused.",
                                "Ask for less output or pick another provider.", kind="too_large")
        chunks.append(chunk)
    return b"".join(chunks)


def _usage(data: Any) -> Usage:
    if not isinstance(data, dict):
        return Usage()
    prompt = int(data.get("prompt_tokens", data.get("input_tokens", 0)) or 0)
    completion = int(data.get("completion_tokens", data.get("output_tokens", 0)) or 0)
    total = int(data.get("total_tokens", prompt + completion) or 0)
    return Usage(prompt, completion, total)


def chat_cost(service: ServiceInfo, usage: Usage) -> int:
    return usage.prompt_tokens * service.input_price_wei + usage.completion_tokens * service.output_price_wei


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
    started: float
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


_POST_HEADERS = {"Accept": "*/*", "User-Agent": "og-core"}


class Inference:
    def __init__(self, auth: SessionAuth, http: httpx.Client, guard: UrlGuard, address: str | None,
                 timeout_s: float = 120.0) -> None:
        self._auth = auth
        self._http = http
        self._guard = guard
        self._address = address
        self._timeout = httpx.Timeout(timeout_s, connect=10.0)
        # Inference POSTs go straight to a pooled transport: no cookies to carry between providers,
        # no redirects to follow, and none of the client's per-request machinery on the hot path.
        self._transport = httpx.HTTPTransport()
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
        """POST and read the whole (size-capped) answer."""
        resp, body = self._open(service, path, json_body=json_body, files=files, data=data)
        cap = MAX_IMAGE_RESPONSE_BYTES if files or path.startswith("/v1/proxy/images") else MAX_JSON_BYTES
        try:
            content = _read_capped(resp, cap, service)
        except httpx.HTTPError as exc:
            raise _unreachable(exc, service) from exc
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
                raise _unreachable(exc, service) from exc
            if resp.status_code == 200:
                return resp, body
            try:
                err_body = _read_capped(resp, MAX_SMALL_BYTES, service)
            except (httpx.HTTPError, OgError):
                err_body = b""
            finally:
                resp.close()
            error = provider_error(resp.status_code, err_body, provider=service.provider)
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
            raise ProviderError(f"The provider {service.provider} answered with something that is not JSON.",
                                "Try again or pick another provider.", kind="garbage",
                                detail=content[:200].decode("utf-8", "replace")) from exc
        if not isinstance(data, dict):
            raise ProviderError(f"The provider {service.provider} answered in an unexpected format.",
                                "Try again or pick another provider.", kind="garbage")
        return data

    @staticmethod
    def _chat_id(headers: httpx.Headers, data_id: Any) -> tuple[str | None, str]:
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
            raise ProviderError(f"The provider {service.provider} sent an answer without a message.",
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
        started = time.perf_counter()
        resp, body = self._open(service, "/v1/proxy/chat/completions",
                                json_body={"model": model, "messages": list(messages), **params, "stream": True})
        header_id = resp.headers.get(CHAT_ID_HEADER)
        state = _StreamState(service, model, body, started, header_id, "ZG-Res-Key" if header_id else "none")
        return ChatStream(self._pieces(resp, state, stop), lambda: self._finish(state), stop)

    def _pieces(self, resp: httpx.Response, state: _StreamState, stop: threading.Event) -> Iterator[str]:
        buffer = b""
        try:
            for chunk in resp.iter_bytes():
                state.raw += chunk
                if len(state.raw) > MAX_STREAM_BYTES:
                    state.cut_reason = "the answer exceeded the size limit and was cut"
                    return
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    piece = self._sse_line(line, state)
                    if piece:
                        yield piece
                if stop.is_set():
                    state.stopped = True
                    return
            if buffer.strip():
                piece = self._sse_line(buffer, state)
                if piece:
                    yield piece
        except httpx.TimeoutException:
            state.cut_reason = "the provider stopped sending (timeout)"
        except httpx.HTTPError as exc:
            state.cut_reason = f"the connection broke ({type(exc).__name__})"
        finally:
            state.ended = time.perf_counter()
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
                    raise ProviderError("The provider sent an image that cannot be decoded.", "Try again.",
                                        kind="garbage") from exc
            elif item.get("url"):
                url = self._guard.check(str(item["url"]))
                try:
                    with self._http.stream("GET", url, timeout=self._timeout) as resp:
                        images.append(_read_capped(resp, MAX_IMAGE_RESPONSE_BYTES, service))
                except httpx.HTTPError as exc:
                    raise _unreachable(exc, service) from exc
        if not images:
            raise ProviderError(f"The provider {service.provider} sent no image.", "Try again.", kind="garbage")
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
            raise ProviderError(f"The provider {service.provider} sent no transcript.", "Try again.", kind="garbage")
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
        try:
            resp = self._http.get(url, headers=self._auth.headers(service.provider), timeout=10.0)
        except httpx.HTTPError as exc:
            raise _unreachable(exc, service) from exc
        if resp.status_code != 200:
            raise provider_error(resp.status_code, resp.content[:MAX_SMALL_BYTES], provider=service.provider)
        data = self._json(resp.content, service)
        try:
            return int(str(data.get("unsettledFee", "0")))
        except ValueError as exc:
            raise ProviderError("The provider reported an unreadable unsettled fee.", "", kind="garbage") from exc
