"""Image, image-edit and speech-to-text brokers, limits and robustness, against a real local chain."""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from eth_account import Account
from eth_account.messages import encode_defunct
from PIL import Image
from web3 import Web3

from og_devnet.accounts import DEPLOYER, PROVIDER_WALLETS, USERS, tee_key
from og_devnet.broker import ProviderConfig, start_brokers
from tests.support.tokens import make_token

OG = 10**18
WAV = Path(__file__).resolve().parents[1] / "data" / "hello_world.wav"
SPECS = {  # name -> (service type, model, output price, rate limit, max concurrency)
    "img": ("text-to-image", "local/img", 10**15, 0, 0),
    "edit": ("image-editing", "local/edit", 2 * 10**15, 0, 0),
    "stt": ("speech-to-text", "local/stt", 10**12, 0, 0),
    "chat": ("chatbot", "local/chat", 10**12, 2, 4),
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
    cfgs = [ProviderConfig(name=name, provider_key=PROVIDER_WALLETS[i][1], tee_key=tee_key(name), service_type=st,
                           model=model, input_price=10**9, output_price=price, rate_limit=rate,
                           max_concurrency=cap, settle_interval=0)
            for i, (name, (st, model, price, rate, cap)) in enumerate(SPECS.items())]
    group = start_brokers(cfgs, rpc_url, addrs.inference)
    user_key = USERS[7][1]
    sdk = create_broker(user_key, network="hardhat", rpc_url=rpc_url)
    sdk.ledger.add_ledger("20")
    out = {"user_key": user_key, "rpc_url": rpc_url, "group": group}
    for cfg, url in group:
        register_provider(w3, addrs.inference, cfg.provider_key, DEPLOYER[1], service_type=cfg.service_type,
                          url=url, model=cfg.model, input_price=cfg.input_price, output_price=cfg.output_price,
                          verifiability="TeeML", additional_info="{}", tee_signer=cfg.tee_address)
        sdk.ledger.transfer_fund(cfg.provider_address, "inference", 2 * OG)
        out[cfg.name] = (cfg, url, {"Authorization": make_token(user_key, cfg.provider_address)})
    try:
        yield out
    finally:
        group.stop()
        node.stop()


def _unsettled(env: dict, name: str) -> int:
    cfg, url, auth = env[name]
    user = Account.from_key(env["user_key"]).address
    return int(requests.get(f"{url}/v1/user/{user}/unsettledfee", headers=auth, timeout=10).json()["unsettledFee"])


def _check_sig(url: str, key: str, expected_text: str, signer: str) -> None:
    sig = requests.get(f"{url}/v1/proxy/signature/{key}", timeout=10).json()
    assert sig["text"] == expected_text
    assert Account.recover_message(encode_defunct(text=sig["text"]), signature=sig["signature"]) == signer


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def test_image_generation_b64_and_url(env: dict) -> None:
    cfg, url, auth = env["img"]
    body = {"model": cfg.model, "prompt": "a red circle", "n": 2, "size": "256x256"}
    r = requests.post(url + "/v1/proxy/images/generations", json=body, headers=auth, timeout=60)
    assert r.status_code == 200, r.text
    images = [base64.b64decode(d["b64_json"]) for d in r.json()["data"]]
    assert len(images) == 2 and Image.open(io.BytesIO(images[0])).size == (256, 256)
    req_body = r.request.body
    _check_sig(url, r.headers["ZG-Res-Key"], f"{_sha(req_body)}:{_sha(images[0])},{_sha(images[1])}",
               cfg.tee_address)
    assert _unsettled(env, "img") == 2 * cfg.output_price

    body["response_format"], body["n"] = "url", 1
    r = requests.post(url + "/v1/proxy/images/generations", json=body, headers=auth, timeout=60)
    img = requests.get(r.json()["data"][0]["url"], timeout=10)
    assert img.status_code == 200 and img.headers["content-type"] == "image/png"
    assert _unsettled(env, "img") == 3 * cfg.output_price


def test_image_edit_multipart(env: dict) -> None:
    cfg, url, auth = env["edit"]
    src = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 10, 10)).save(src, format="PNG")
    files = {"image": ("in.png", src.getvalue(), "image/png")}
    data = {"model": cfg.model, "prompt": "make it grayscale", "response_format": "b64_json"}
    r = requests.post(url + "/v1/proxy/images/edits", files=files, data=data, headers=auth, timeout=60)
    assert r.status_code == 200, r.text
    out = base64.b64decode(r.json()["data"][0]["b64_json"])
    _check_sig(url, r.headers["ZG-Res-Key"], f"{_sha(r.request.body)}:{_sha(out)}", cfg.tee_address)
    assert _unsettled(env, "edit") == cfg.output_price

    bad = requests.post(url + "/v1/proxy/images/edits", files={"image": ("x.png", b"not an image", "image/png")},
                        data=data, headers=auth, timeout=60)
    assert bad.status_code == 400 and bad.json()["error"]
    broken = requests.post(url + "/v1/proxy/images/edits", data=b"--xx\r\ngarbage",
                           headers={**auth, "Content-Type": "multipart/form-data; boundary=xx"}, timeout=10)
    assert broken.status_code == 400 and "error" in broken.json()


def test_transcription(env: dict) -> None:
    cfg, url, auth = env["stt"]
    files = {"file": ("hello.wav", WAV.read_bytes(), "audio/wav")}
    r = requests.post(url + "/v1/proxy/audio/transcriptions", files=files,
                      data={"model": cfg.model, "response_format": "json"}, headers=auth, timeout=120)
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["text"] and result["usage"]["output_tokens"] > 0
    _check_sig(url, r.headers["ZG-Res-Key"], f"{_sha(r.request.body)}:{_sha(r.content)}", cfg.tee_address)
    assert _unsettled(env, "stt") == result["usage"]["output_tokens"] * cfg.output_price
    r = requests.post(url + "/v1/proxy/audio/transcriptions", files=files,
                      data={"model": cfg.model, "response_format": "text"}, headers=auth, timeout=120)
    assert r.headers["content-type"].startswith("text/plain") and r.text == result["text"]
    r = requests.post(url + "/v1/proxy/audio/transcriptions", headers=auth, timeout=10,
                      files={"file": ("x.wav", b"noise", "audio/wav")}, data={"model": cfg.model})
    assert r.status_code == 400 and r.json()["error"]


def test_limits_and_robustness(env: dict) -> None:
    cfg, url, auth = env["chat"]
    body = {"model": cfg.model, "messages": [{"role": "user", "content": "hi"}]}
    codes = [requests.post(url + "/v1/proxy/chat/completions", json=body, headers=auth, timeout=30).status_code
             for _ in range(4)]
    assert codes[0] == 200 and 429 in codes

    broker = env["group"].apps["chat"].state.broker
    broker.rate.rate = 0  # rate limit off for the rest
    broker.cap.active = cfg.max_concurrency
    r = requests.post(url + "/v1/proxy/chat/completions", json=body, headers=auth, timeout=30)
    assert r.status_code == 503 and "error" in r.json()
    broker.cap.active = 0

    original = broker.chat.stream
    broker.chat.stream = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("secret internals"))
    try:
        r = requests.post(url + "/v1/proxy/chat/completions", json=body, headers=auth, timeout=30)
        assert r.status_code == 500 and r.json() == {"error": "internal broker error"}
    finally:
        broker.chat.stream = original
    assert requests.post(url + "/v1/proxy/chat/completions", json=body, headers=auth, timeout=30).status_code == 200
    assert broker.cap.active == 0

    parsed = urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    conn.putrequest("POST", "/v1/proxy/chat/completions")
    conn.putheader("Content-Length", str(33 * 1024 * 1024))
    conn.putheader("Content-Type", "application/json")
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 413
    conn.close()

    r = requests.post(url + "/v1/proxy/images/generations", json={}, headers=auth, timeout=10)
    assert r.status_code == 400 and "unsupported endpoint" in r.json()["error"]
