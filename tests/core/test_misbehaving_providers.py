"""Providers that are down, slow, malformed or lying — registered on a real local chain, funded with
real transactions and called with og_core's real session tokens. Only the provider's HTTP server is
ours: a misbehaving provider is, by nature, somebody else's server.

This module starts its own local network because it registers extra services (the shared one's
service list stays as the other tests expect it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import time
from collections.abc import Iterator

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak
from web3 import Web3

from og_core import OgClient, ProviderError, ProviderUnreachable, RpcError, Settings, VerificationStatus
from og_devnet.accounts import DEPLOYER
from og_devnet.deploy import register_provider
from og_devnet.launch import DevnetHandle, start_devnet
from tests.conftest import ONE_OG, new_funded_account, rpc
from tests.core.fakes import FakeProvider, send_json, send_sse

MODEL = "rogue/model-1"
PRICE = 10**12  # wei per token
FILLERS = 56  # with the 5 built-in and 3 of ours: more than one page of 50


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Rogue:
    """A chat provider whose behaviour the test picks: ok, garbage, no-choices, slow, cut,
    wrong-signer, tampered. It checks that og_core sent a real session token for it."""

    def __init__(self, address: str, tee: Account) -> None:
        self.address = address
        self.tee = tee
        self.mode = "ok"
        self.tokens: list[dict] = []
        self.signatures: dict[str, dict] = {}
        self.server = FakeProvider()
        self.server.routes["POST /v1/proxy/chat/completions"] = self._chat
        self.server.routes["GET /v1/proxy/signature/*"] = self._signature
        self.server.routes["GET /v1/models"] = lambda h: send_json(h, 200, {"data": [{"id": MODEL}]})

    def _session(self, header: str) -> dict:
        raw, _, sig = base64.b64decode(header.removeprefix("Bearer app-sk-")).decode().rpartition("|")
        token = json.loads(raw)
        # EIP-191 over the keccak of the raw message, as protocol.md says the broker checks it
        signer = Account.recover_message(encode_defunct(primitive=keccak(text=raw)), signature=sig)
        assert signer == token["address"] and token["provider"] == self.address
        return token

    def _chat(self, h) -> None:
        request = self.server.requests[-1][3]
        self.tokens.append(self._session(h.headers["Authorization"]))
        chat_id = f"rogue-{len(self.tokens)}"
        if self.mode == "garbage":
            h.send_response(200)
            h.send_header("Content-Length", "10")
            h.end_headers()
            h.wfile.write(b"<html>oops")
            return
        if self.mode == "no-choices":
            send_json(h, 200, {"id": chat_id, "usage": {"prompt_tokens": 1}})
            return
        if self.mode == "slow":
            time.sleep(3)
        stream = json.loads(request).get("stream")
        usage = {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9}
        if stream:
            events = [b"data: " + json.dumps({"id": chat_id, "choices": [{"delta": {"content": t}}]}).encode()
                      + b"\n\n" for t in ("4", "2")]
            events.append(b"data: " + json.dumps({"id": chat_id, "choices": [], "usage": usage}).encode() + b"\n\n")
            events.append(b"data: [DONE]\n\n")
            body = b"".join(events)
            if self.mode == "cut":
                send_sse(h, events[:1], close_early=True)
            else:
                send_sse(h, events)
        else:
            data = {"id": chat_id, "choices": [{"message": {"content": "42"}, "finish_reason": "stop"}],
                    "usage": usage}
            body = json.dumps(data).encode()
            send_json(h, 200, data)
        signed_body = body + b" " if self.mode == "tampered" else body
        text = f"{hashlib.sha256(request).hexdigest()}:{hashlib.sha256(signed_body).hexdigest()}"
        key = Account.create() if self.mode == "wrong-signer" else self.tee
        sig = key.sign_message(encode_defunct(text=text)).signature.to_0x_hex()
        self.signatures[chat_id] = {"text": text, "signature": sig, "signing_address": key.address,
                                    "signing_algo": "ecdsa"}

    def _signature(self, h) -> None:
        chat_id = h.path.split("?")[0].rsplit("/", 1)[-1]
        if chat_id in self.signatures:
            send_json(h, 200, self.signatures[chat_id])
        else:
            send_json(h, 400, {"error": "Chat id not found or expired, chat_id_not_found"})


def _register(handle: DevnetHandle, url: str, *, model: str = MODEL, info: str = "{}",
              verifiability: str = "TeeML", tee: str | None = None) -> str:
    owner = new_funded_account(handle, og=200)
    w3 = Web3(Web3.HTTPProvider(handle.rpc_url))
    register_provider(w3, handle.info["addresses"]["inference"], owner.key.to_0x_hex(), DEPLOYER[1],
                      service_type="chatbot", url=url, model=model, input_price=PRICE, output_price=PRICE,
                      verifiability=verifiability, additional_info=info, tee_signer=tee or owner.address)
    return owner.address


@pytest.fixture(scope="module")
def net() -> Iterator[dict]:
    handle = start_devnet(port=0, settle_interval=3600, no_limits=True)
    tee = Account.create()
    rogue_owner = new_funded_account(handle, og=200)
    rogue = Rogue(rogue_owner.address, tee)
    w3 = Web3(Web3.HTTPProvider(handle.rpc_url))
    register_provider(w3, handle.info["addresses"]["inference"], rogue_owner.key.to_0x_hex(), DEPLOYER[1],
                      service_type="chatbot", url=rogue.server.url, model=MODEL, input_price=PRICE,
                      output_price=PRICE, verifiability="TeeML", additional_info='{"TargetSeparated":false}',
                      tee_signer=tee.address)
    down = _register(handle, f"http://127.0.0.1:{_closed_port()}", model="down/model")
    malformed = _register(handle, "http://127.0.0.1:9", model="malformed/model", info="{not json")
    fillers = [_register(handle, f"http://127.0.0.1:{10_000 + i}", model=f"filler/{i}") for i in range(FILLERS)]
    yield {"handle": handle, "rogue": rogue, "down": down, "malformed": malformed, "fillers": fillers}
    rogue.server.close()
    handle.stop()


def _client(handle: DevnetHandle, key: str | None = None, timeout: float = 10.0) -> OgClient:
    return OgClient("local", private_key=key, settings=Settings(), rpc_url=handle.rpc_url,
                    addresses=handle.info["addresses"], http_timeout_s=timeout)


@pytest.fixture(scope="module")
def wallet(net) -> Iterator[OgClient]:
    handle = net["handle"]
    acct = new_funded_account(handle, og=100)
    client = _client(handle, acct.key.to_0x_hex())
    client.execute(client.plan_deposit("20"))
    for provider in (net["rogue"].address, net["down"]):
        client.execute(client.plan_fund_provider(provider, "3"))
    yield client
    client.close()


ASK = [{"role": "user", "content": "What is 6 * 7?"}]


def test_discovery_pages_past_50_and_survives_a_malformed_provider(net):
    with _client(net["handle"]) as c:
        services = {s.provider: s for s in c.services(refresh=True)}
        total = len(net["handle"].providers) + 3 + FILLERS
        assert len(services) == total > 50
        assert set(net["fillers"]) <= set(services)
        bad = services[net["malformed"]]
        assert bad.additional_info is None and bad.additional_info_error
        assert not bad.verifiable  # additionalInfo must be valid JSON to count as verifiable
        assert services[net["rogue"].address].verifiable


def test_a_healthy_rogue_answer_verifies(net, wallet):
    rogue = net["rogue"]
    rogue.mode = "ok"
    r = wallet.chat(rogue.address, ASK)
    assert r.text == "42" and r.usage.total_tokens == 9 and r.cost_wei == 9 * PRICE
    assert rogue.tokens[-1]["address"] == wallet.address  # a real session token, signed by the wallet
    assert wallet.verify(r).status is VerificationStatus.VERIFIED
    stream = wallet.chat_stream(rogue.address, ASK)
    assert "".join(stream) == "42" and not stream.result.cut
    assert wallet.verify(stream.result).status is VerificationStatus.VERIFIED


@pytest.mark.parametrize("mode", ["wrong-signer", "tampered"])
def test_a_lying_provider_is_caught(net, wallet, mode):
    rogue = net["rogue"]
    rogue.mode = mode
    r = wallet.chat(rogue.address, ASK)
    v = wallet.verify(r)
    assert v.status is VerificationStatus.INVALID, v
    assert v.expected_signer == rogue.tee.address


@pytest.mark.parametrize("mode", ["garbage", "no-choices"])
def test_malformed_answers_are_refused_in_words(net, wallet, mode):
    net["rogue"].mode = mode
    with pytest.raises(ProviderError) as info:
        wallet.chat(net["rogue"].address, ASK)
    assert info.value.kind == "garbage" and net["rogue"].address in info.value.message


def test_a_cut_stream_keeps_what_arrived(net, wallet):
    net["rogue"].mode = "cut"
    stream = wallet.chat_stream(net["rogue"].address, ASK)
    assert "".join(stream) == "4"
    assert stream.result.cut and stream.result.cut_reason and stream.result.text == "4"


def test_a_slow_provider_times_out_in_words(net, wallet):
    net["rogue"].mode = "slow"
    key = wallet._s.account.key.to_0x_hex()
    with _client(net["handle"], key, timeout=1.0) as impatient:
        started = time.monotonic()
        with pytest.raises(ProviderUnreachable) as info:
            impatient.chat(net["rogue"].address, ASK)
        assert time.monotonic() - started < 2.9  # gave up before the provider answered
    assert info.value.kind == "timeout" and "did not answer in time" in info.value.message


def test_a_provider_that_is_down(net, wallet):
    down = net["down"]
    with pytest.raises(ProviderUnreachable) as info:
        wallet.chat(down, ASK)
    assert info.value.kind == "unreachable" and info.value.hint
    v = wallet.verify(provider=down, chat_id="anything")
    assert v.status is VerificationStatus.UNAVAILABLE
    health = wallet.probe(down)
    assert not health.reachable and health.error


def test_no_funds_moved_by_any_of_it(net, wallet):
    """Failures above sent nothing: the only transactions are the fixture's deposit and two fundings."""
    view = wallet.ledger()
    assert view.total_wei == 20 * ONE_OG and view.available_wei == 14 * ONE_OG
    assert len(wallet.history()) == 3


def test_the_rpc_going_down_mid_session_is_said_plainly():
    handle = start_devnet(port=0, settle_interval=3600)
    acct = new_funded_account(handle, og=50)
    client = _client(handle, acct.key.to_0x_hex())
    try:
        client.execute(client.plan_deposit("5"))
        assert rpc(handle, "eth_chainId")
    finally:
        handle.stop()
    said = []
    for call in (client.ledger, lambda: client.plan_deposit("1"), lambda: client.services(refresh=True)):
        with pytest.raises(RpcError) as info:
            call()
        assert info.value.hint
        said.append(info.value.message)
    assert all("chain" in m and "could not be" in m for m in said), said
    assert len(client.history()) == 1  # the deposit; nothing was sent or recorded after the outage
    client.close()
