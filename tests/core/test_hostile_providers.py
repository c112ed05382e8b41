"""The hostile-provider catalogue against og_core, with real HTTP on loopback: gzip bombs, huge
bodies, endless streams, slowloris, redirects, invalid JSON and unknown encodings at every place
og_core reads bytes from a provider. Each case must end in a clear OgError (or a per-service note)
within bounded time and memory.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from og_core import OgError, VerificationStatus
from og_core.attestation import attest
from og_core.bodies import MAX_STREAM_BYTES
from og_core.discovery import probe_provider
from og_core.inference import Inference
from og_core.model_info import fetch_model_list
from og_core.safety import UrlGuard
from og_core.verify import verify_attestation, verify_response
from tests.support.fakes import (
    FakeAuth,
    FakeProvider,
    Flood,
    drip,
    endless_sse,
    gzip_bomb,
    json_head,
    peak_rss_growth_mb,
    redirect,
    send_bomb,
    send_json,
    service,
)

MSG = [{"role": "user", "content": "hi"}]
GUARD = UrlGuard(local=True)
MEMORY_MB = 150  # "well under 300 MB": the 1 GiB bomb used to take a gigabyte and more
SECONDS = 10.0

CHAT = "POST /v1/proxy/chat/completions"
IMAGES = "POST /v1/proxy/images/generations"
ROUTES = {  # where og_core reads a provider's bytes → the route serving it
    "chat": CHAT, "stream": CHAT, "quote": "GET /v1/quote", "signature": "GET /v1/proxy/signature/*",
    "unsettled fee": "GET /v1/user/*", "model list probe": "GET /v1/models", "image by URL": "GET /image.png",
    "model objects": "GET /v1/models", "attestation log": "GET /v1/quote",
}


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    p = FakeProvider()
    yield p
    p.close()


def _call(where: str, provider: FakeProvider, **limits: Any) -> Callable[[], str]:
    """A call of og_core that reads the bytes at `where`; it returns what the user would be told
    (the error's message, the cut reason, the health note or the verification reason)."""
    svc = service(provider.url, service_type="text-to-image" if where == "image by URL" else "chatbot")
    timeout_s = limits.pop("timeout_s", 5.0)
    http = GUARD.client(httpx.Timeout(5.0))
    inference = Inference(FakeAuth(), http, GUARD, "0x" + "12" * 20, timeout_s=timeout_s, **limits)

    def run() -> str:
        try:
            if where == "chat":
                inference.chat(svc, MSG)
            elif where == "stream":
                result = inference.chat_stream(svc, MSG).result
                assert result.cut, "a hostile stream must end as cut, with its reason"
                return result.cut_reason or ""
            elif where == "unsettled fee":
                inference.unsettled_fee(svc)
            elif where == "image by URL":
                inference.generate_images(svc, "a cat")
            elif where == "model list probe":
                health = probe_provider(svc, http, GUARD, timeout_s=timeout_s)
                assert not health.reachable and health.error
                return health.error
            elif where == "model objects":
                listed = fetch_model_list(provider.url, http, GUARD, timeout_s=timeout_s)
                assert listed.error and not listed.models
                return listed.error
            elif where == "attestation log":
                log = attest(svc, http=http, url_guard=GUARD, timeout_s=timeout_s)
                assert not log.passed
                return " ".join(step.message for step in log.steps)
            elif where == "quote":
                r = verify_attestation(svc, http=http, url_guard=GUARD)
                assert r.status is VerificationStatus.UNAVAILABLE
                return r.reason
            elif where == "signature":
                r = verify_response(svc, "chat-1", expected_response_hash=None, http=http, url_guard=GUARD)
                assert r.status is VerificationStatus.UNAVAILABLE
                return r.reason
        except OgError as exc:
            assert exc.message and exc.hint
            return exc.message
        finally:
            http.close()
            inference.close()
        raise AssertionError(f"{where}: a hostile answer was accepted")

    return run


def _serve(provider: FakeProvider, where: str, route: Callable) -> None:
    if where == "image by URL":  # the provider's answer names an image URL; that URL is hostile
        provider.routes[IMAGES] = lambda h: send_json(h, 200, {"data": [{"url": provider.url + "/image.png"}]})
    provider.routes[ROUTES[where]] = route


def _bounded(run: Callable[[], str]) -> str:
    started = time.monotonic()
    grown, outcome = peak_rss_growth_mb(run)
    elapsed = time.monotonic() - started
    if isinstance(outcome, BaseException):
        raise outcome
    assert elapsed < SECONDS, f"took {elapsed:.1f} s"
    assert grown < MEMORY_MB, f"the process grew by {grown:.0f} MB"
    return outcome


# --------------------------------------------------------------------------- gzip bombs


@pytest.fixture(scope="module", autouse=True)
def _bombs_built_once() -> None:
    gzip_bomb(layers=2), gzip_bomb(layers=1)  # built before any memory is measured


@pytest.mark.parametrize("where", list(ROUTES))
def test_a_stacked_gzip_bomb_is_refused_with_bounded_memory(provider, where):
    """`Content-Encoding: gzip, gzip`, 1 GiB in 2.5 KB: httpx inflated each chunk in full before the
    size cap could count it (the audit saw 2.1 GB)."""
    _serve(provider, where, lambda h: send_bomb(h, layers=2))
    said = _bounded(_call(where, provider))
    assert "compressed in a way this app does not read" in said, said


@pytest.mark.parametrize("where", list(ROUTES))
def test_a_gzip_bomb_is_cut_at_the_decoded_size_cap(provider, where):
    """One gzip layer, 1 GiB inside: decoded step by step, refused (or cut) at the cap."""
    _serve(provider, where, lambda h: send_bomb(h, layers=1))
    said = _bounded(_call(where, provider))
    assert any(words in said for words in ("larger than", "unreasonably large", "size limit")), said


@pytest.mark.parametrize("encoding", ["br", "compress", "zstd", "gzip, identity, deflate"])
def test_an_encoding_og_core_did_not_ask_for_is_refused_in_words(provider, encoding):
    _serve(provider, "chat", lambda h: send_bomb(h, layers=1, encoding=encoding))
    assert "compressed in a way this app does not read" in _call("chat", provider)()


def test_honest_gzip_and_deflate_answers_still_work(provider):
    import zlib

    answer = {"id": "c1", "choices": [{"message": {"content": "42"}, "finish_reason": "stop"}], "usage": {}}
    for encoding, wbits in (("gzip", 31), ("deflate", 15), ("deflate", -15)):  # raw deflate, as some servers send
        packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
        body = packer.compress(json.dumps(answer).encode()) + packer.flush()

        def route(h, body=body, encoding=encoding):
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Encoding", encoding)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)

        provider.routes[CHAT] = route
        http = GUARD.client(httpx.Timeout(5.0))
        inference = Inference(FakeAuth(), http, GUARD, None, timeout_s=5)
        assert inference.chat(service(provider.url), MSG).text == "42", encoding
        assert provider.requests[-1][2]["Accept-Encoding"] == "gzip, deflate"


# --------------------------------------------------------------------------- huge, endless, slow


def test_a_200_mb_answer_is_refused_without_reading_it(provider):
    flood = Flood(200 * 1024 * 1024)
    provider.routes[CHAT] = flood
    said = _bounded(_call("chat", provider))
    assert "larger than 8 MB" in said
    assert flood.done.wait(10) and flood.sent < 100 * 1024 * 1024


def test_an_endless_stream_is_cut_at_the_size_limit(provider):
    provider.routes[CHAT] = endless_sse
    said = _bounded(_call("stream", provider))
    assert "size limit" in said
    assert MAX_STREAM_BYTES == 16 * 1024 * 1024


def test_an_endless_slow_stream_is_cut_at_the_overall_deadline(provider):
    provider.routes[CHAT] = lambda h: endless_sse(h, every=0.05)
    said = _bounded(_call("stream", provider, stream_max_s=1.5))
    assert "longer than 1.5 s" in said


@pytest.mark.parametrize("where", ["chat", "model list probe", "quote", "unsettled fee"])
def test_slowloris_ends_at_the_deadline(provider, where, monkeypatch):
    """One byte every 0.2 s: no single read waits long, only an overall deadline ends it."""
    monkeypatch.setattr("og_core.verify.TIMEOUT_S", 1.0)
    monkeypatch.setattr("og_core.inference.FEE_TIMEOUT_S", 1.0)
    body = json.dumps({"data": [{"id": "m"}], "unsettledFee": "1", "report_data": "x"}).encode()
    _serve(provider, where, lambda h: drip(h, json_head(body), body, every=0.2))
    started = time.monotonic()
    said = _call(where, provider, timeout_s=1.0)()
    assert time.monotonic() - started < 4, said
    assert any(w in said for w in ("in time", "within 1 s")), said


# --------------------------------------------------------------------------- redirects, invalid JSON


@pytest.mark.parametrize("where", ["chat", "model list probe", "quote", "signature", "unsettled fee", "image by URL"])
def test_a_redirect_is_never_followed(provider, where):
    """A redirect could lead past the URL guard (to 169.254.169.254): it is an answer, not a hop."""
    target = FakeProvider()
    target.routes["GET /*"] = lambda h: send_json(h, 200, {"data": [{"id": "m"}]})
    target.routes["POST /*"] = lambda h: send_json(h, 200, {})
    try:
        _serve(provider, where, redirect(target.url + "/latest/meta-data"))
        said = _bounded(_call(where, provider))
    finally:
        target.close()
    assert target.requests == []
    assert "302" in said or "answered with an error" in said, said


@pytest.mark.parametrize("where", ["chat", "model list probe", "quote", "signature", "unsettled fee"])
def test_invalid_json_is_said_plainly(provider, where):
    def route(h):
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", "12")
        h.end_headers()
        h.wfile.write(b"{'no': json,")

    _serve(provider, where, route)
    said = _bounded(_call(where, provider))
    assert "JSON" in said, said


def test_an_image_url_answering_an_error_page_is_not_an_image(provider):
    _serve(provider, "image by URL", lambda h: send_json(h, 404, {"error": "no such image"}))
    assert "no such image" in _call("image by URL", provider)()
