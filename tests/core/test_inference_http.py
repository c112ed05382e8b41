"""Provider misbehaviour against a tiny local server: cut streams, garbage, slow, down, session retry."""

import json
import threading
import time

import httpx
import pytest

from og_core.errors import ProviderError, ProviderUnreachable
from og_core.inference import Inference
from og_core.safety import UrlGuard
from tests.core.fakes import FakeAuth, FakeProvider, send_json, send_sse, service

MSG = [{"role": "user", "content": "hi"}]


def chunk(i: int, text: str, finish=None, usage=None) -> bytes:
    ev = {"id": "chat-abc", "choices": [{"delta": {"content": text}, "finish_reason": finish}]}
    if usage:
        ev["usage"] = usage
    return b"data: " + json.dumps(ev).encode() + b"\n\n"


@pytest.fixture
def provider():
    p = FakeProvider()
    yield p
    p.close()


def make(provider, timeout=5.0):
    auth = FakeAuth()
    http = httpx.Client()
    return Inference(auth, http, UrlGuard(allow_private=True), "0x" + "12" * 20, timeout_s=timeout), auth


def test_stream_complete_and_chat_id_from_first_chunk(provider):
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    events = [chunk(0, "Hel"), chunk(1, "lo", "stop", usage), b"data: [DONE]\n\n"]
    provider.routes["POST /v1/proxy/chat/completions"] = lambda h: send_sse(h, events)
    inf, _ = make(provider)
    svc = service(provider.url)
    stream = inf.chat_stream(svc, MSG)
    assert list(stream) == ["Hel", "lo"]
    r = stream.result
    assert r.text == "Hello" and not r.cut and r.chat_id == "chat-abc" and r.chat_id_source == "id"
    assert r.cost_wei == 3 * svc.input_price_wei + 2 * svc.output_price_wei
    assert r.response_body == b"".join(events)
    body = json.loads(provider.requests[-1][3])
    assert body["stream"] is True and body["model"] == svc.model


def test_stream_cut_in_the_middle_keeps_what_arrived(provider):
    provider.routes["POST /v1/proxy/chat/completions"] = lambda h: send_sse(
        h, [chunk(0, "partial "), chunk(1, "answer")], close_early=True)
    inf, _ = make(provider)
    stream = inf.chat_stream(service(provider.url), MSG)
    pieces = list(stream)
    r = stream.result
    assert "".join(pieces) == "partial answer" == r.text
    assert r.cut and r.cut_reason


def test_slow_stream_times_out_as_cut(provider):
    provider.routes["POST /v1/proxy/chat/completions"] = lambda h: send_sse(
        h, [chunk(0, "a"), chunk(1, "b"), chunk(2, "c")], delay=1.5)
    inf, _ = make(provider, timeout=0.5)
    stream = inf.chat_stream(service(provider.url), MSG)
    r = stream.result
    assert r.cut and "timeout" in r.cut_reason and r.text.startswith("a")


def test_stop_event_ends_stream(provider):
    provider.routes["POST /v1/proxy/chat/completions"] = lambda h: send_sse(
        h, [chunk(i, f"w{i} ") for i in range(20)] + [b"data: [DONE]\n\n"], delay=0.02)
    inf, _ = make(provider)
    stop = threading.Event()
    stream = inf.chat_stream(service(provider.url), MSG, stop_event=stop)
    got = []
    for piece in stream:
        got.append(piece)
        if len(got) == 2:
            stop.set()
    assert stream.result.stopped and len(got) <= 3 and not stream.result.cut


def test_garbage_answer(provider):
    provider.routes["POST /v1/proxy/chat/completions"] = lambda h: (
        h.send_response(200), h.send_header("Content-Length", "9"), h.end_headers(), h.wfile.write(b"not json!"))
    inf, _ = make(provider)
    with pytest.raises(ProviderError) as info:
        inf.chat(service(provider.url), MSG)
    assert info.value.kind == "garbage" and "not JSON" in info.value.message


def test_provider_down_and_slow(provider):
    inf, _ = make(provider, timeout=0.5)
    provider.routes["POST /v1/proxy/chat/completions"] = lambda h: (time.sleep(1.5), send_json(h, 200, {}))
    with pytest.raises(ProviderUnreachable) as info:
        inf.chat(service(provider.url), MSG)
    assert "in time" in info.value.message
    with pytest.raises(ProviderUnreachable) as info:
        inf.chat(service("http://127.0.0.1:9"), MSG)
    assert "cannot be reached" in info.value.message


def test_session_rejection_retries_with_fresh_token(provider, monkeypatch):
    monkeypatch.setattr("og_core.inference.SESSION_RETRY_DELAYS_S", (0.0, 0.0))
    calls = []

    def route(h):
        calls.append(h.headers["Authorization"])
        if len(calls) == 1:
            send_json(h, 401, {"error": "validate session: generation mismatch"})
        else:
            send_json(h, 200, {"id": "x", "choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}],
                               "usage": {"prompt_tokens": 1, "completion_tokens": 1}}, {"ZG-Res-Key": "key-1"})

    provider.routes["POST /v1/proxy/chat/completions"] = route
    inf, auth = make(provider)
    r = inf.chat(service(provider.url), MSG)
    assert r.text == "ok" and r.chat_id == "key-1" and r.chat_id_source == "ZG-Res-Key"
    assert auth.invalidations == 1 and calls[0] != calls[1]


def test_response_size_cap(provider, monkeypatch):
    monkeypatch.setattr("og_core.inference.MAX_JSON_BYTES", 1000)
    big = {"choices": [{"message": {"content": "x" * 5000}}]}
    provider.routes["POST /v1/proxy/chat/completions"] = lambda h: send_json(h, 200, big)
    inf, _ = make(provider)
    with pytest.raises(ProviderError) as info:
        inf.chat(service(provider.url), MSG)
    assert info.value.kind == "too_large"
