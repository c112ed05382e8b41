"""Provider misbehaviour against a tiny local server: cut streams, garbage, slow, down, session retry."""

import json
import threading
import time

import httpx
import pytest

from og_core.errors import ProviderError, ProviderUnreachable
from og_core.inference import Inference
from og_core.safety import UrlGuard
from tests.support.fakes import (
    FakeAuth,
    FakeProvider,
    drip,
    json_head,
    self_signed_tls,
    send_json,
    send_sse,
    service,
)

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


def make(provider, timeout=5.0, **limits):
    auth = FakeAuth()
    http = httpx.Client()
    return Inference(auth, http, UrlGuard(local=True), "0x" + "12" * 20, timeout_s=timeout, **limits), auth


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


def test_stop_after_the_reader_was_closed_mid_stream_says_stopped_not_cut(provider):
    """Streamlit interrupts a run by raising inside st.write_stream, which closes our iterator
    mid-stream; the page's `finally` then calls stop(). That is the user's stop, not a broken stream;
    a stop() after a complete answer changes nothing."""
    provider.routes["POST /v1/proxy/chat/completions"] = lambda h: send_sse(
        h, [chunk(i, f"w{i} ") for i in range(20)] + [b"data: [DONE]\n\n"], delay=0.02)
    inf, _ = make(provider)
    stream = inf.chat_stream(service(provider.url), MSG)
    reader = iter(stream)
    got = [next(reader), next(reader)]
    reader.close()  # what an exception thrown through write_stream does
    stream.stop()
    r = stream.result
    assert r.stopped and not r.cut and r.text == "".join(got)

    complete = inf.chat_stream(service(provider.url), MSG)
    text = "".join(complete)
    complete.stop()
    assert not complete.result.stopped and not complete.result.cut and complete.result.text == text


def test_a_stream_the_provider_ended_early_is_cut_even_if_stop_comes_after(provider):
    """A provider that dies mid-answer may close the stream cleanly (no [DONE], no finish_reason). A
    stop() after the reader ended by itself (the app used to call it in every `finally`) must not turn
    that into "stopped by you"."""
    provider.routes["POST /v1/proxy/chat/completions"] = lambda h: send_sse(
        h, [chunk(i, f"w{i} ") for i in range(3)])
    inf, _ = make(provider)
    stream = inf.chat_stream(service(provider.url), MSG)
    text = "".join(stream)
    stream.stop()
    r = stream.result
    assert text == "w0 w1 w2 " == r.text
    assert r.cut and not r.stopped and r.cut_reason == "the stream ended before the provider finished the answer"


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


# --------------------------------------------------------------------------- deadlines and stop

ANSWER = json.dumps({"id": "x", "choices": [{"message": {"content": "ok"}}]}).encode()


@pytest.mark.parametrize("drip_head", [False, True], ids=["body", "headers"])
def test_drip_fed_answer_ends_at_the_overall_deadline(provider, drip_head):
    # one byte every 0.1 s: no read ever waits 1 s, yet the answer would take ~5-10 s
    provider.routes["POST /v1/proxy/chat/completions"] = lambda h: drip(h, json_head(ANSWER), ANSWER,
                                                                         every=0.1, drip_head=drip_head)
    inf, _ = make(provider, timeout=1.0)
    t0 = time.monotonic()
    with pytest.raises(ProviderUnreachable) as info:
        inf.chat(service(provider.url), MSG)
    assert time.monotonic() - t0 < 1.8
    assert info.value.kind == "timeout" and "within 1 s" in info.value.message


def test_stream_pausing_longer_than_the_stall_limit_is_cut(provider):
    provider.routes["POST /v1/proxy/chat/completions"] = lambda h: send_sse(
        h, [chunk(0, "a"), chunk(1, "b")], delay=2.0)
    inf, _ = make(provider, timeout=5.0, stall_s=0.4)
    t0 = time.monotonic()
    r = inf.chat_stream(service(provider.url), MSG).result
    assert time.monotonic() - t0 < 1.5
    assert r.cut and r.text == "a" and r.cut_reason == "the provider stopped sending for 0.4 s (timeout)"


def test_stream_that_never_ends_is_cut_at_the_overall_cap(provider):
    provider.routes["POST /v1/proxy/chat/completions"] = lambda h: send_sse(
        h, [chunk(i, "w ") for i in range(60)], delay=0.05)
    inf, _ = make(provider, timeout=5.0, stream_max_s=1.0)
    t0 = time.monotonic()
    r = inf.chat_stream(service(provider.url), MSG).result
    assert time.monotonic() - t0 < 1.6
    assert r.cut and "longer than 1 s in all" in r.cut_reason and 5 <= r.text.count("w") < 60


def test_stream_first_bytes_must_come_within_the_timeout(provider):
    provider.routes["POST /v1/proxy/chat/completions"] = lambda h: (
        h.send_response(200), h.send_header("Transfer-Encoding", "chunked"), h.end_headers(), h.wfile.flush(),
        time.sleep(3))
    inf, _ = make(provider, timeout=0.5, stall_s=10.0)
    r = inf.chat_stream(service(provider.url), MSG).result
    assert r.cut and r.cut_reason == "the provider sent nothing within 0.5 s (timeout)" and r.text == ""


@pytest.fixture(params=["http", "https"])
def any_scheme_provider(request, tmp_path, monkeypatch):
    tls = None
    if request.param == "https":  # real providers are HTTPS: stop() must also wake a TLS read
        tls, cert = self_signed_tls(tmp_path)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    p = FakeProvider(tls)
    yield p
    p.close()


def test_stop_from_another_thread_ends_a_blocked_read_at_once(any_scheme_provider):
    provider = any_scheme_provider
    provider.routes["POST /v1/proxy/chat/completions"] = lambda h: send_sse(
        h, [chunk(0, "first "), chunk(1, "late"), b"data: [DONE]\n\n"], delay=5.0)
    inf, _ = make(provider, timeout=10.0, stall_s=10.0)
    stream = inf.chat_stream(service(provider.url), MSG)
    pieces = iter(stream)
    assert next(pieces) == "first "
    stopped_at = []

    def stop_soon():
        time.sleep(0.3)  # the reader is now blocked waiting for "late"
        stopped_at.append(time.monotonic())
        stream.stop()

    threading.Thread(target=stop_soon).start()
    rest = list(pieces)
    ended_at = time.monotonic()
    assert rest == [] and ended_at - stopped_at[0] < 0.5
    r = stream.result
    assert r.stopped and not r.cut and r.text == "first "


TIERED_INFO = {"tieredPricing": {"tiers": [
    {"inputMultiplier": 1, "maxInputTokens": 32000, "outputMultiplier": 1},
    {"inputMultiplier": 2, "maxInputTokens": 128000, "outputMultiplier": 3},
    {"inputMultiplier": 5, "inputMultiplierDenominator": 2, "maxInputTokens": 0, "outputMultiplier": 4}]},
    "cacheTokenBilling": {"divisor": 10, "writeMultiplierNumerator": 5, "writeMultiplierDenominator": 4}}


@pytest.mark.parametrize("stream", [False, True])
def test_the_cost_of_a_chat_applies_the_tier_and_cache_billing(provider, stream):
    """The worked example of docs/protocol.md (0.0037 OG), through a real request: flat prices would say 0.0106 OG."""
    from dataclasses import replace

    usage = {"prompt_tokens": 50_000, "prompt_tokens_details": {"cached_tokens": 40_000},
             "cache_write_tokens": 6_000, "completion_tokens": 500, "total_tokens": 50_500}
    if stream:
        events = [chunk(0, "ok", "stop", usage), b"data: [DONE]\n\n"]
        provider.routes["POST /v1/proxy/chat/completions"] = lambda h: send_sse(h, events)
    else:
        provider.routes["POST /v1/proxy/chat/completions"] = lambda h: send_json(h, 200, {
            "id": "c1", "choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}], "usage": usage})
    inf, _ = make(provider)
    svc = replace(service(provider.url, info=TIERED_INFO), input_price_wei=10**11, output_price_wei=4 * 10**11)
    r = inf.chat_stream(svc, MSG).result if stream else inf.chat(svc, MSG)
    assert (r.usage.cached_tokens, r.usage.cache_write_tokens) == (40_000, 6_000)
    assert r.cost_wei == 37 * 10**14
