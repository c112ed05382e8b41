"""Broker behaviour around the edges of a request: the attestation report route, concurrency slots on
client disconnects, and the automatic settlement loop — against a real local chain."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import struct
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import anyio
import pytest
import requests
from web3 import Web3

from og_devnet.accounts import DEPLOYER, PROVIDER_WALLETS, USERS, tee_key
from og_devnet.broker import ProviderConfig, create_app, start_brokers
from tests.support.tokens import make_token

OG = 10**18
SPECS = {  # name -> (model, verifiability, max concurrency, settle interval)
    "tee": ("local/rt-tee", "TeeML", 1, 0.0),
    "lite": ("local/rt-lite", "", 0, 0.0),
    "auto": ("local/rt-auto", "TeeML", 0, 0.5),
}


@pytest.fixture(scope="module")
def env() -> Iterator[dict]:
    from zerog_py_sdk import create_broker

    from og_devnet.chain import ChainNode
    from og_devnet.deploy import deploy, register_provider

    node = ChainNode()
    rpc_url = node.start(0)
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    addrs = deploy(w3, DEPLOYER[1], contracts="ours")
    cfgs = [ProviderConfig(name=name, provider_key=PROVIDER_WALLETS[i][1], tee_key=tee_key("rt-" + name),
                           service_type="chatbot", model=model, input_price=10**9, output_price=10**9,
                           verifiability=verif, max_concurrency=cap, settle_interval=interval)
            for i, (name, (model, verif, cap, interval)) in enumerate(SPECS.items())]
    group = start_brokers(cfgs, rpc_url, addrs.inference)
    user_key = USERS[8][1]
    sdk = create_broker(user_key, network="hardhat", rpc_url=rpc_url)
    sdk.ledger.add_ledger("10")
    out: dict = {"w3": w3, "user_key": user_key, "group": group, "sdk": sdk, "rpc_url": rpc_url,
                 "inference": addrs.inference}
    for cfg, url in group:
        register_provider(w3, addrs.inference, cfg.provider_key, DEPLOYER[1], service_type=cfg.service_type,
                          url=url, model=cfg.model, input_price=cfg.input_price, output_price=cfg.output_price,
                          verifiability=cfg.verifiability, additional_info='{"TargetSeparated":false}',
                          tee_signer=cfg.tee_address)
        sdk.ledger.transfer_fund(cfg.provider_address, "inference", 2 * OG)
        out[cfg.name] = (cfg, url, {"Authorization": make_token(user_key, cfg.provider_address)})
    try:
        yield out
    finally:
        group.stop()
        node.stop()


def test_attestation_report(env: dict) -> None:
    cfg, url, _ = env["tee"]
    quote = requests.get(url + "/v1/quote", timeout=10).json()
    report_url = url + "/v1/proxy/attestation/report"
    # The model runs in the broker's own (simulated) TEE: its report is that TEE's report.
    for params in ({"model": cfg.model}, {}):  # the SDK's download link has no ?model=
        r = requests.get(report_url, params=params, timeout=10)
        assert r.status_code == 200, r.text
        assert r.json() == quote
        assert base64.b64decode(r.json()["report_data"]).rstrip(b"\0").decode() == cfg.tee_address
    r = requests.get(report_url, params={"model": "local/other"}, timeout=10)
    assert r.status_code == 400
    assert r.json()["error"] == f'model not supported: requested "local/other", accepted: ["{cfg.model}"]'
    # Only GET is served; other methods still fall through to the catch-all.
    r = requests.post(report_url, json={}, timeout=10)
    assert r.status_code == 400 and r.json() == {"error": "unsupported endpoint"}

    lite, lite_url, _ = env["lite"]
    r = requests.get(lite_url + "/v1/proxy/attestation/report", params={"model": lite.model}, timeout=10)
    assert r.status_code == 501
    assert r.json()["error"].startswith("LLM attestation report is not available for this provider.")


def _drop_stream(url: str, auth: dict, model: str, read_first: bool) -> None:
    """Send a streaming chat request on a raw socket and hang up (right away, or after the first bytes)."""
    host, port = urlparse(url).hostname, urlparse(url).port
    body = json.dumps({"model": model, "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    head = (f"POST /v1/proxy/chat/completions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Authorization: {auth['Authorization']}\r\nContent-Length: {len(body)}\r\n\r\n")
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head.encode() + body.encode())
        if read_first:
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN


def _wait(cond, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.mark.parametrize("read_first", [False, True], ids=["before-stream", "mid-stream"])
def test_disconnect_releases_slot(env: dict, read_first: bool) -> None:
    cfg, url, auth = env["tee"]  # max_concurrency=1
    broker = env["group"].apps["tee"].state.broker
    original, fetch, ttl, take = broker.chat.stream, broker.chain.fetch_service, broker.chain.ttl, broker.cap.take
    taken: list[int] = []
    broker.cap.take = lambda: taken.append(1) or take()
    if read_first:  # a long answer, so the client can hang up while the broker is still writing it
        broker.chat.stream = lambda *a, **k: iter(["word "] * 50_000)
    else:  # a slow admission (off the event loop): the hang-up lands before the stream starts
        broker.chain.ttl = 0

        def slow_fetch():  # type: ignore[no-untyped-def]
            time.sleep(0.3)
            return fetch()
        broker.chain.fetch_service = slow_fetch
    try:
        _drop_stream(url, auth, cfg.model, read_first)
        _wait(lambda: bool(taken))
        _wait(lambda: broker.cap.active == 0)
    finally:
        broker.chat.stream, broker.chain.fetch_service, broker.chain.ttl = original, fetch, ttl
        broker.cap.take = take
    assert taken and broker.cap.active == 0
    body = {"model": cfg.model, "messages": [{"role": "user", "content": "hi"}]}
    r = requests.post(url + "/v1/proxy/chat/completions", json=body, headers=auth, timeout=30)
    assert r.status_code == 200, r.text
    assert broker.cap.active == 0


def test_send_error_before_stream_releases_slot(env: dict) -> None:
    """An ASGI 2.4 server reports a gone client as OSError from send(): here on the very first message,
    so the answer's generator never starts (and no finally inside it could ever run)."""
    cfg, _, auth = env["tee"]
    app = create_app(cfg, env["rpc_url"], env["inference"])  # max_concurrency=1, its own slot count
    broker = app.state.broker
    body = json.dumps({"model": cfg.model, "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/v1/proxy/chat/completions",
             "raw_path": b"/v1/proxy/chat/completions", "query_string": b"", "root_path": "",
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
             "headers": [(b"host", b"broker"), (b"content-type", b"application/json"),
                         (b"authorization", auth["Authorization"].encode()),
                         (b"content-length", str(len(body)).encode())]}
    statuses: list[int] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": body.encode(), "more_body": False}

    async def call(gone: bool) -> None:
        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
                if gone:
                    raise OSError("client gone")

        with contextlib.suppress(Exception):
            await app(scope, receive, send)

    anyio.run(call, True)
    assert statuses[0] == 200 and broker.cap.active == 0
    anyio.run(call, False)  # the next request gets the slot
    assert statuses[1] == 200 and broker.cap.active == 0


def test_settle_loop(env: dict) -> None:
    """The lifespan's loop settles on its own, exactly the fee, and outlives failing rounds."""
    from eth_account import Account

    cfg, url, auth = env["auto"]  # settle_interval=0.5
    broker = env["group"].apps["auto"].state.broker
    user = Account.from_key(env["user_key"]).address
    balance = lambda: env["sdk"].serving_contract.functions.getAccount(  # noqa: E731
        user, cfg.provider_address).call()[3]
    body = {"model": cfg.model, "messages": [{"role": "user", "content": "hello there"}]}

    def chat_fee() -> int:
        r = requests.post(url + "/v1/proxy/chat/completions", json=body, headers=auth, timeout=30)
        assert r.status_code == 200, r.text
        usage = r.json()["usage"]
        return usage["prompt_tokens"] * cfg.input_price + usage["completion_tokens"] * cfg.output_price

    before = balance()
    fee = chat_fee()
    _wait(lambda: balance() != before, timeout=15)
    assert before - balance() == fee  # no /devnet/settle call
    assert broker.ledger.fee(user) == 0

    # Round 1 raises; round 2 finds the chain unreachable; later rounds must still settle.
    real, w3 = broker.settler.settle_now, broker.chain.w3
    results: list[object] = []

    def flaky() -> list[dict]:
        if not broker.ledger.snapshot():  # count only the rounds that have something to settle
            return real()
        if not results:
            results.append("raised")
            raise ConnectionError("chain unreachable")
        if len(results) == 1:
            good, w3.provider = w3.provider, Web3.HTTPProvider("http://127.0.0.1:9",
                                                                request_kwargs={"timeout": 2})
            try:
                results.append(real())
            finally:
                w3.provider = good
            return results[-1]  # type: ignore[return-value]
        results.append(real())
        return results[-1]  # type: ignore[return-value]

    before = balance()
    broker.settler.settle_now = flaky
    try:
        fee = chat_fee()
        _wait(lambda: balance() != before, timeout=20)
    finally:
        broker.settler.settle_now = real
    assert results[:2] == ["raised", []] and len(results) >= 3
    assert before - balance() == fee
    assert broker.ledger.fee(user) == 0


def test_stream_pace_spaces_the_tokens(env: dict) -> None:
    """--stream-pace-ms: the app's own local network streams at a readable pace (so streaming shows and
    Stop has a moment to act). Each piece after the first waits at least the pace; the answer and its
    billing are unchanged."""
    import dataclasses

    cfg, url, auth = env["lite"]
    broker = env["group"].apps["lite"].state.broker
    body = {"model": cfg.model, "stream": True, "seed": 7,
            "messages": [{"role": "user", "content": "Tell me about the 0G ledger."}]}

    def stream() -> tuple[list[str], list[float]]:
        pieces, times = [], []
        with requests.post(url + "/v1/proxy/chat/completions", json=body, headers=auth, stream=True,
                           timeout=60) as r:
            assert r.status_code == 200, r.text
            for line in r.iter_lines():
                if line.startswith(b"data: {"):
                    choices = json.loads(line[6:])["choices"]
                    if choices and choices[0]["delta"].get("content"):
                        pieces.append(choices[0]["delta"]["content"])
                        times.append(time.monotonic())
        return pieces, times

    fast, _ = stream()
    broker.cfg = dataclasses.replace(cfg, stream_pace=0.05)
    try:
        paced, times = stream()
    finally:
        broker.cfg = cfg
    assert paced == fast and len(paced) > 5
    assert times[-1] - times[0] >= 0.05 * (len(paced) - 1) * 0.95  # a lower bound: never flaky on a slow box
