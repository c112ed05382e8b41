"""A streamed chat answer (SSE): read with deadlines and a size limit, stoppable from any thread,
and always ending in a ChatResult that says whether it was complete, cut or stopped."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx

from og_core.bodies import MAX_STREAM_BYTES, decoded_chunks
from og_core.errors import ProviderError
from og_core.provider_errors import the_provider
from og_core.results import ChatResult, Usage
from og_core.safety import abort_response, deadline
from og_core.service import ServiceInfo
from og_core.usage import chat_cost_breakdown, usage_from


class ChatStream:
    """Iterate to receive text pieces as they arrive (works with `st.write_stream`);
    after iteration `.result` holds the `ChatResult` (also when the stream was cut or stopped).

    `stop()` ends it early, from any thread, at once: it shuts the connection down, so a read
    waiting for a slow provider returns. Setting the `stop_event` passed to `chat_stream` instead
    takes effect when the next chunk arrives. What arrived so far is kept and the result says
    it was stopped.
    """

    def __init__(self, pieces: Iterator[str], finish: Callable[[], ChatResult], stop_event: threading.Event,
                 *, abort: Callable[[], None] | None = None):
        self._pieces = pieces
        self._finish = finish
        self._abort = abort
        self.stop_event = stop_event
        self._result: ChatResult | None = None

    def __iter__(self) -> Iterator[str]:
        yield from self._pieces

    def with_result(self, transform: Callable[[ChatResult], ChatResult]) -> ChatStream:
        """The same stream (same pieces, same stop), its `.result` passed through `transform`."""
        return ChatStream(self._pieces, lambda: transform(self.result), self.stop_event, abort=self._abort)

    def stop(self) -> None:
        self.stop_event.set()  # first: the reader must see it when its read fails
        if self._abort is not None:
            self._abort()

    @property
    def result(self) -> ChatResult:
        """The finished result; consumes the rest of the stream if not yet iterated."""
        if self._result is None:
            for _ in self._pieces:
                pass
            self._result = self._finish()
        return self._result


@dataclass
class StreamState:
    """One streamed answer as it arrives; read by the stream's reader, `stop()` and `.result`."""

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


class StreamReader:
    """Reads streams under three limits: the first bytes within `timeout_s`, then pauses of at most
    `stall_s` between chunks, and `stream_max_s` in all."""

    def __init__(self, timeout_s: float, stall_s: float, stream_max_s: float) -> None:
        self._timeout_s = timeout_s
        self._stall_s = stall_s
        self._stream_max_s = stream_max_s

    def start(self, resp: httpx.Response, state: StreamState, stop: threading.Event) -> ChatStream:
        """The ChatStream reading the open 200 response `resp` (it closes it)."""
        return ChatStream(self._pieces(resp, state, stop), lambda: self._finish(state), stop,
                          abort=lambda: self._abort(resp, state))

    def _next_deadline(self, state: StreamState) -> float:
        """When the next chunk must have arrived; records which limit that is for the cut reason."""
        if state.last_byte is None:
            at, state.waiting_for = state.t0 + self._timeout_s, "first"
        else:
            at, state.waiting_for = state.last_byte + self._stall_s, "stall"
        cap = state.t0 + self._stream_max_s
        if cap <= at:
            at, state.waiting_for = cap, "cap"
        return at

    def _timeout_reason(self, state: StreamState) -> str:
        if state.waiting_for == "cap":
            return f"the answer took longer than {self._stream_max_s:g} s in all and was cut (timeout)"
        if state.waiting_for == "first":
            return f"the provider sent nothing within {self._timeout_s:g} s (timeout)"
        return f"the provider stopped sending for {self._stall_s:g} s (timeout)"

    @staticmethod
    def _abort(resp: httpx.Response, state: StreamState) -> None:
        with state.lock:
            # A stop while the reader is still on its way is the user's stop, not a cut. Once the reader
            # ended by itself (the provider closed the stream) a stop changes nothing: an answer that
            # ended early there was cut by the provider, not stopped by the user.
            if not state.closed and not state.done and state.finish_reason is None and state.cut_reason is None:
                state.stopped = True
            if not state.closed:
                abort_response(resp)

    def _pieces(self, resp: httpx.Response, state: StreamState, stop: threading.Event) -> Iterator[str]:
        buffer = bytearray()  # the unfinished line; a bytearray, so a long line costs linear time
        chunks = decoded_chunks(resp, None)  # ≤ 64 KiB decoded each; the size limit is counted below
        try:
            while True:
                with deadline(self._next_deadline(state)):
                    try:
                        chunk = next(chunks, None)
                    except ProviderError as exc:  # a compression this app does not read, or a damaged one
                        state.cut_reason = exc.message.rstrip(".")[:1].lower() + exc.message.rstrip(".")[1:]
                        return
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
        except GeneratorExit:  # the consumer closed the reader mid-stream (e.g. a Streamlit rerun): its stop
            if not state.done and state.finish_reason is None and state.cut_reason is None:
                state.stopped = True
            raise
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
    def _sse_line(line: bytes, state: StreamState) -> str | None:
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
            state.usage = usage_from(event["usage"])
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
    def _not_a_stream(state: StreamState) -> str | None:
        """A 200 answer without a single SSE event: a provider that ignored `stream: true` and sent
        one JSON completion gets its text used; anything else (an HTML page, noise) is an error in
        words rather than an empty "answer" that was billed for nothing."""
        service = state.service
        try:
            data = json.loads(bytes(state.raw))
            text = data["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ProviderError(f"{the_provider(service.provider, service.model)} answered with something that is not a stream "
                                "of answer events.", "Try again or pick another provider.", kind="garbage",
                                detail=bytes(state.raw[:200]).decode("utf-8", "replace")) from exc
        state.events, state.done = 1, True
        state.finish_reason = data["choices"][0].get("finish_reason") or "stop"
        state.usage = usage_from(data.get("usage"))
        if state.chat_id is None and data.get("id"):
            state.chat_id, state.chat_id_source = str(data["id"]), "id"
        if text:
            state.ttft_ms = (time.perf_counter() - state.started) * 1000
            state.text.append(str(text))
        return str(text) or None

    @staticmethod
    def _finish(state: StreamState) -> ChatResult:
        ended = state.ended or time.perf_counter()
        cut_reason = state.cut_reason
        if cut_reason is None and not state.stopped and not state.done and state.finish_reason is None:
            cut_reason = "the stream ended before the provider finished the answer"
        bill = chat_cost_breakdown(state.service, state.usage)  # on-chain prices; OgClient reprices
        return ChatResult(
            provider=state.service.provider, model=state.model, text="".join(state.text), chat_id=state.chat_id,
            chat_id_source=state.chat_id_source,  # type: ignore[arg-type]
            usage=state.usage, cost_wei=bill.total_wei, billing=bill,
            latency_ms=(ended - state.started) * 1000, ttft_ms=state.ttft_ms, finish_reason=state.finish_reason,
            cut=cut_reason is not None, cut_reason=cut_reason, stopped=state.stopped,
            request_body=state.request_body, response_body=bytes(state.raw))
