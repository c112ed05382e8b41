"""Verification against a tiny local HTTP server: verified, tampered, wrong signer, unavailable."""

import base64
import hashlib
import json
import threading

import httpx
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from og_core.discovery import parse_service
from og_core.inference import Inference
from og_core.safety import UrlGuard
from og_core.types import ChatResult, Usage
from og_core.types import VerificationStatus as V
from og_core.verify import images_hash, partial_reason, verify_attestation, verify_response
from tests.support.fakes import FakeAuth, FakeProvider, send_json, service

TEE = Account.from_key("0x" + "07" * 32)  # throwaway
OTHER = Account.from_key("0x" + "08" * 32)
REQUEST = b'{"model":"m"}'
RESPONSE = b'{"id":"chat-1","choices":[]}'


def signed(body: bytes, key=TEE, resp_hash: str | None = None) -> dict:
    text = hashlib.sha256(REQUEST).hexdigest() + ":" + (resp_hash or hashlib.sha256(body).hexdigest())
    sig = key.sign_message(encode_defunct(text=text)).signature.hex()
    return {"text": text, "signature": "0x" + sig.removeprefix("0x"), "signing_address": key.address,
            "signing_algo": "ecdsa"}


@pytest.fixture
def provider():
    p = FakeProvider()
    yield p
    p.close()


@pytest.fixture
def http():
    with httpx.Client() as c:
        yield c


GUARD = UrlGuard(local=True)


def _serve_signature(provider, payload, status=200):
    provider.routes["GET /v1/proxy/signature/*"] = lambda h: send_json(h, status, payload)


def test_verified(provider, http):
    _serve_signature(provider, signed(RESPONSE))
    r = verify_response(service(provider.url, signer=TEE.address), "chat-1",
                        expected_response_hash=hashlib.sha256(RESPONSE).hexdigest(), http=http, url_guard=GUARD)
    assert r.status is V.VERIFIED and r.ok and r.response_hash_matches is True
    assert r.recovered_signer == TEE.address and r.expected_signer == TEE.address
    assert r.signer_source == "on-chain teeSignerAddress"
    method, path, _headers, _body = provider.requests[-1]
    assert path == "/v1/proxy/signature/chat-1?model=local%2Ftest-model"


def test_tampered_answer_is_invalid(provider, http):
    _serve_signature(provider, signed(RESPONSE))
    r = verify_response(service(provider.url, signer=TEE.address), "chat-1",
                        expected_response_hash=hashlib.sha256(RESPONSE + b" ").hexdigest(), http=http, url_guard=GUARD)
    assert r.status is V.INVALID and r.response_hash_matches is False and "differs" in r.reason


def test_tampered_signed_text_is_invalid(provider, http):
    payload = signed(RESPONSE)
    payload["text"] = payload["text"][:-1] + ("0" if payload["text"][-1] != "0" else "1")
    _serve_signature(provider, payload)
    r = verify_response(service(provider.url, signer=TEE.address), "chat-1", expected_response_hash=None,
                        http=http, url_guard=GUARD)
    assert r.status is V.INVALID and r.recovered_signer != TEE.address


def test_wrong_signer_is_invalid(provider, http):
    _serve_signature(provider, signed(RESPONSE, key=OTHER))
    r = verify_response(service(provider.url, signer=TEE.address), "chat-1", expected_response_hash=None,
                        http=http, url_guard=GUARD)
    assert r.status is V.INVALID and OTHER.address in r.reason and TEE.address in r.reason


def test_target_tee_address_used_when_separated(provider, http):
    _serve_signature(provider, signed(RESPONSE, key=OTHER))
    info = {"TargetSeparated": True, "TargetTeeAddress": OTHER.address}
    r = verify_response(service(provider.url, signer=TEE.address, info=info), "chat-1", expected_response_hash=None,
                        http=http, url_guard=GUARD)
    assert r.status is V.VERIFIED and "TargetTeeAddress" in r.signer_source
    centralized = {**info, "ProviderType": "centralized"}
    r = verify_response(service(provider.url, signer=TEE.address, info=centralized), "chat-1",
                        expected_response_hash=None, http=http, url_guard=GUARD)
    assert r.status is V.INVALID  # centralized: the broker's signer, not the target


def test_unavailable_cases(provider, http):
    svc = service(provider.url, signer=TEE.address)
    _serve_signature(provider, {"error": "Chat id not found or expired, chat_id_not_found"}, status=404)
    r = verify_response(svc, "gone", expected_response_hash=None, http=http, url_guard=GUARD)
    assert r.status is V.UNAVAILABLE and "no longer" in r.reason
    provider.routes["GET /v1/proxy/signature/*"] = lambda h: (h.send_response(200), h.send_header(
        "Content-Length", "3"), h.end_headers(), h.wfile.write(b"<x>"))
    assert verify_response(svc, "c", expected_response_hash=None, http=http, url_guard=GUARD).status is V.UNAVAILABLE
    assert verify_response(svc, None, expected_response_hash=None, http=http, url_guard=GUARD).status is V.UNAVAILABLE
    no_tee = service(provider.url, verifiability="")
    assert verify_response(no_tee, "c", expected_response_hash=None, http=http,
                           url_guard=GUARD).status is V.UNAVAILABLE
    provider.close()
    with httpx.Client() as fresh:  # a new connection: the old keep-alive one may outlive the server
        r = verify_response(svc, "c", expected_response_hash=None, http=fresh, url_guard=GUARD)
    assert r.status is V.UNAVAILABLE and "cannot be reached" in r.reason


def test_private_url_refused_on_public_networks(http):
    r = verify_response(service("http://127.0.0.1:9", signer=TEE.address), "c", expected_response_hash=None,
                        http=http, url_guard=UrlGuard(local=False))
    assert r.status is V.UNAVAILABLE and "private or local" in r.reason


def test_images_hash_is_comma_joined():
    assert images_hash([b"a", b"b"]) == hashlib.sha256(b"a").hexdigest() + "," + hashlib.sha256(b"b").hexdigest()


def test_attestation(provider, http):
    padded = TEE.address.encode() + b"\x00" * 20
    provider.routes["GET /v1/quote"] = lambda h: send_json(h, 200, {"report_data": base64.b64encode(padded).decode()})
    assert verify_attestation(service(provider.url, signer=TEE.address), http=http,
                              url_guard=GUARD).status is V.VERIFIED
    r = verify_attestation(service(provider.url, signer=OTHER.address), http=http, url_guard=GUARD)
    assert r.status is V.INVALID and r.report_signer == TEE.address and r.onchain_signer == OTHER.address
    raw20 = bytes.fromhex(TEE.address[2:]) + b"\x00" * 44
    provider.routes["GET /v1/quote"] = lambda h: send_json(h, 200, {"report_data": base64.b64encode(raw20).decode()})
    assert verify_attestation(service(provider.url, signer=TEE.address), http=http,
                              url_guard=GUARD).status is V.VERIFIED


# --------------------------------------------------------------------------- provider-written additionalInfo


@pytest.mark.parametrize("target", ["not-an-address", 12345, None, "", ["0x" + "22" * 20], "0x1234", True])
def test_malformed_target_tee_address_is_unavailable_not_a_crash(provider, http, target):
    _serve_signature(provider, signed(RESPONSE))
    svc = service(provider.url, signer=TEE.address, info={"TargetSeparated": True, "TargetTeeAddress": target})
    r = verify_response(svc, "chat-1", expected_response_hash=None, http=http, url_guard=GUARD)
    assert r.status is V.UNAVAILABLE and "TargetTeeAddress" in r.reason and r.expected_signer is None
    assert not svc.verifiable and "not a valid address" in svc.signing_address_source
    assert provider.requests == []  # nothing to compare a signature with: not even fetched


def test_discovery_survives_malformed_target_tee_address():
    info = json.dumps({"TargetSeparated": True, "TargetTeeAddress": 12345})
    raw = ("0x" + "ab" * 20, "chatbot", "https://p.example", 1, 2, 0, "m", "TeeML", info, "0x" + "11" * 20, True)
    svc = parse_service(raw)
    assert svc.signing_address == "" and svc.signing_address_error and "12345" in svc.signing_address_error
    assert svc.verifiable is False


@pytest.mark.parametrize("separated", ["false", "true", 1, "yes"])
def test_target_separated_counts_only_as_json_true(provider, http, separated):
    _serve_signature(provider, signed(RESPONSE, key=TEE))  # the on-chain signer signs
    info = {"TargetSeparated": separated, "TargetTeeAddress": OTHER.address}
    svc = service(provider.url, signer=TEE.address, info=info)
    r = verify_response(svc, "chat-1", expected_response_hash=None, http=http, url_guard=GUARD)
    assert not svc.target_separated
    assert r.status is V.VERIFIED and r.expected_signer == TEE.address


# --------------------------------------------------------------------------- stopped / cut streams

FULL_SSE = [b'data: {"id":"chat-s","choices":[{"delta":{"content":"w%d "}}]}\n\n' % i for i in range(6)]
FULL_SSE.append(b"data: [DONE]\n\n")


def _partial_chat(**flags: object) -> ChatResult:
    return ChatResult(provider="0x" + "ab" * 20, model="m", text="w0 ", chat_id="chat-s", chat_id_source="id",
                      usage=Usage(), cost_wei=0, latency_ms=1.0, ttft_ms=None, **flags)  # type: ignore[arg-type]


def test_partial_reason_names_stop_and_cut():
    assert partial_reason(_partial_chat(stopped=True)) == "You stopped this answer early"
    cut = partial_reason(_partial_chat(cut=True, cut_reason="the connection broke (ReadError)"))
    assert cut == "The stream was cut (the connection broke (ReadError))"
    assert partial_reason(_partial_chat()) is None


def test_partial_answer_with_genuine_signature_is_unavailable_not_tampering(provider, http):
    _serve_signature(provider, signed(b"".join(FULL_SSE)))
    held = hashlib.sha256(b"".join(FULL_SSE[:2])).hexdigest()
    r = verify_response(service(provider.url, signer=TEE.address), "chat-s", expected_response_hash=held,
                        http=http, url_guard=GUARD, partial="You stopped this answer early")
    assert r.status is V.UNAVAILABLE and r.recovered_signer == TEE.address
    assert r.reason.startswith("You stopped this answer early") and "genuine" in r.reason
    assert "differs" not in r.reason and r.response_hash_matches is None


def test_partial_answer_signed_by_the_wrong_key_is_still_invalid(provider, http):
    _serve_signature(provider, signed(b"".join(FULL_SSE), key=OTHER))
    r = verify_response(service(provider.url, signer=TEE.address), "chat-s", expected_response_hash="00",
                        http=http, url_guard=GUARD, partial="You stopped this answer early")
    assert r.status is V.INVALID and OTHER.address in r.reason


def test_stopped_stream_against_a_signing_provider(provider, http):
    """End to end: the provider signs the whole SSE text it meant to send; the user stops after
    two pieces. Verification says so, and does not accuse the provider."""
    release = threading.Event()

    def stream(h):
        h.close_connection = True
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for i, ev in enumerate(FULL_SSE):
            h.wfile.write(f"{len(ev):x}\r\n".encode() + ev + b"\r\n")
            h.wfile.flush()
            if i == 1:
                release.wait(5)  # the rest comes only after the user stopped
        h.wfile.write(b"0\r\n\r\n")

    provider.routes["POST /v1/proxy/chat/completions"] = stream
    _serve_signature(provider, signed(b"".join(FULL_SSE)))
    svc = service(provider.url, signer=TEE.address)
    chat = Inference(FakeAuth(), http, GUARD, None, timeout_s=5).chat_stream(svc, [{"role": "user", "content": "x"}])
    pieces = iter(chat)
    assert [next(pieces), next(pieces)] == ["w0 ", "w1 "]
    chat.stop()
    release.set()
    result = chat.result
    assert result.stopped and result.text == "w0 w1 "
    r = verify_response(svc, result.chat_id, expected_response_hash=hashlib.sha256(result.response_body).hexdigest(),
                        http=http, url_guard=GUARD, partial=partial_reason(result))
    assert r.status is V.UNAVAILABLE and "stopped" in r.reason and "genuine" in r.reason


@pytest.mark.parametrize("partial", ["You stopped this answer early", "The stream was cut (it ended early)"])
def test_a_partial_answer_without_a_signature_is_not_said_to_have_expired(provider, http, partial):
    """A second after Stop the provider has no signature for the answer (it signs only a finished one,
    as the local broker and 0G's do): that is not an expiry."""
    _serve_signature(provider, {"error": "Chat id not found or expired, chat_id_not_found"}, status=404)
    r = verify_response(service(provider.url, signer=TEE.address), "chat-s", expected_response_hash="00",
                        http=http, url_guard=GUARD, partial=partial)
    assert r.status is V.UNAVAILABLE and "expired" not in r.reason
    assert r.reason.startswith(partial) and "signs only a finished answer" in r.reason


def test_a_finished_answer_whose_signature_is_gone_still_says_so(provider, http):
    _serve_signature(provider, {"error": "Chat id not found or expired, chat_id_not_found"}, status=404)
    r = verify_response(service(provider.url, signer=TEE.address), "chat-1", expected_response_hash="00",
                        http=http, url_guard=GUARD)
    assert r.status is V.UNAVAILABLE and "no longer has a signature" in r.reason
