"""The brokers of the whole local network (`devnet` fixture, real HTTP) against hostile or mistaken
requests: deep JSON, bad parameters, admission refusals, revocations, the body limit, image fees."""

from __future__ import annotations

import base64
import http.client
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
from eth_account import Account
from PIL import Image
from web3 import Web3

from og_devnet.accounts import DEPLOYER
from og_devnet.broker import ProviderConfig, start_brokers
from og_devnet.contracts.build import load_artifact
from og_devnet.launch import DevnetHandle
from tests.support.devnet import new_funded_account, rpc
from tests.support.tokens import make_token

OG = 10**18
CHAT, IMAGES, EDITS, STT = ("/v1/proxy/chat/completions", "/v1/proxy/images/generations",
                            "/v1/proxy/images/edits", "/v1/proxy/audio/transcriptions")
WAV = Path(__file__).resolve().parents[1] / "data" / "hello_world.wav"


def _sdk(devnet: DevnetHandle, key: str) -> Any:
    from zerog_py_sdk import create_broker

    return create_broker(key, network="hardhat", rpc_url=devnet.rpc_url)


def _send(w3: Web3, key: str, fn: Any, value: int = 0) -> None:
    acct = Account.from_key(key)
    tx = fn.build_transaction({"from": acct.address, "value": value, "chainId": 31337, "gasPrice": w3.eth.gas_price,
                               "nonce": w3.eth.get_transaction_count(acct.address)})
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction))
    assert receipt["status"] == 1


def _user(devnet: DevnetHandle, funding: dict[str, int]) -> tuple[Any, Any]:
    """A fresh wallet with a 3+ OG ledger and `funding` (provider name -> wei) moved to providers."""
    acct = new_funded_account(devnet, 100)
    sdk = _sdk(devnet, acct.key.to_0x_hex())
    assert sdk.ledger.add_ledger(str(3 + sum(funding.values()) // OG + 1))["success"]
    for name, amount in funding.items():
        assert sdk.ledger.transfer_fund(devnet.provider(name)["address"], "inference", amount)["success"]
    return acct, sdk


def _auth(acct: Any, provider: dict) -> dict[str, str]:
    return {"Authorization": make_token(acct.key.to_0x_hex(), provider["address"])}


def _post_json(provider: dict, path: str, auth: dict, body: str | bytes) -> requests.Response:
    return requests.post(provider["url"] + path, data=body, timeout=60,
                         headers={**auth, "Content-Type": "application/json"})


def _unsettled(provider: dict, acct: Any) -> int:
    r = requests.get(f"{provider['url']}/v1/user/{acct.address}/unsettledfee", headers=_auth(acct, provider),
                     timeout=10)
    return int(r.json()["unsettledFee"])


# ---------------------------------------------------------------- hostile JSON

def test_deeply_nested_json_is_refused_and_the_network_survives(devnet: DevnetHandle) -> None:
    p = devnet.provider("chat-lite")
    auth = _auth(Account.create(), p)  # a token signed by any key reaches the JSON parser
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
        r = _post_json(p, CHAT, auth, body)
        assert r.status_code == 400
        assert r.json() == {"error": "invalid JSON body: exceeded max depth"}
    # The session token's JSON is parsed with the same guard.
    raw = "[" * 20_000 + "]" * 20_000
    header = "Bearer app-sk-" + base64.b64encode(f"{raw}|0x00".encode()).decode()
    r = _post_json(p, CHAT, {"Authorization": header}, b"{}")
    assert r.status_code == 400
    assert r.json() == {"error": "validate session: invalid session token format in Authorization: "
                                 "exceeded max depth"}
    # Still up: the broker answers and the chain (same process) still answers.
    assert requests.get(p["url"] + "/v1/models", timeout=10).status_code == 200
    assert int(rpc(devnet, "eth_blockNumber"), 16) > 0


# ---------------------------------------------------------------- bad parameters are 400, never 500

@pytest.fixture(scope="module")
def media_user(devnet: DevnetHandle) -> tuple[Any, Any]:
    return _user(devnet, {"chat-lite": 2 * OG, "image": 2 * OG, "edit": 2 * OG, "speech": 2 * OG})


def _chat_body(model: str, extra: str = "", role: str = "user") -> str:
    return f'{{"model": "{model}", "messages": [{{"role": "{role}", "content": "hi"}}]{extra}}}'


@pytest.mark.parametrize(("extra", "role", "error"), [
    ("", "robot", "messages[0].role must be one of"),
    (', "temperature": 5', "user", "temperature must be between 0 and 2"),
    (', "temperature": 5, "stream": true', "user", "temperature must be between 0 and 2"),
    (', "temperature": 1e400', "user", "temperature must be between 0 and 2"),
    (', "temperature": 1' + "0" * 400, "user", "'temperature' must be a number from 0 to 2"),
    (', "temperature": "hot"', "user", "'temperature' must be a number"),
    (', "top_p": 0', "user", "top_p must be greater than 0"),
    (', "seed": 1e400', "user", "'seed' must be an integer"),
    (', "seed": 1e400, "stream": true', "user", "'seed' must be an integer"),
    (', "seed": 1.5', "user", "'seed' must be an integer"),
    (', "seed": true', "user", "'seed' must be an integer"),
    (', "seed": "7"', "user", "'seed' must be an integer"),
])
def test_bad_chat_parameters_are_400(devnet: DevnetHandle, media_user: tuple, extra: str, role: str,
                                     error: str) -> None:
    acct, _ = media_user
    p = devnet.provider("chat-lite")
    r = _post_json(p, CHAT, _auth(acct, p), _chat_body(p["model"], extra, role))
    assert r.status_code == 400, r.text
    assert error in r.json()["error"]
    assert _unsettled(p, acct) == 0  # nothing served, nothing billed


def test_good_seeds_still_work(devnet: DevnetHandle, media_user: tuple) -> None:
    acct, _ = media_user
    p = devnet.provider("chat-lite")
    answers = {_post_json(p, CHAT, _auth(acct, p), _chat_body(p["model"], ', "seed": 3, "temperature": 0.5')
                          ).json()["choices"][0]["message"]["content"] for _ in range(2)}
    assert len(answers) == 1  # same seed, same answer


@pytest.mark.parametrize(("body", "error"), [
    ({"n": 0}, "'n' must be an integer from 1 to 4"),
    ({"n": 5}, "'n' must be an integer from 1 to 4"),
    ({"n": 11}, "'n' must be an integer from 1 to 4"),
    ({"n": 2.5}, "'n' must be an integer from 1 to 4"),
    ({"n": True}, "'n' must be an integer from 1 to 4"),
    ({"n": "2"}, "'n' must be an integer from 1 to 4"),
    ('"n": 1e400', "'n' must be an integer from 1 to 4"),
    ({"size": 512}, "'size' must be a string like 512x512"),
    ({"size": "300x300"}, "allowed sizes"),
    ({"response_format": "png"}, "'response_format' must be b64_json or url"),
    ({"seed": True}, "'seed' must be an integer"),
    ({"seed": 1.5}, "'seed' must be an integer"),
])
def test_bad_image_parameters_are_400(devnet: DevnetHandle, media_user: tuple, body: dict | str,
                                      error: str) -> None:
    acct, _ = media_user
    p = devnet.provider("image")
    base = {"model": p["model"], "prompt": "a red circle", "size": "256x256"}
    text = (json.dumps({**base, **body}) if isinstance(body, dict)
            else json.dumps(base)[:-1] + ", " + body + "}")
    r = _post_json(p, IMAGES, _auth(acct, p), text)
    assert r.status_code == 400, r.text
    assert error in r.json()["error"]


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize(("fields", "error"), [
    ({"n": "0"}, "'n' must be an integer from 1 to 4"),
    ({"n": "5"}, "'n' must be an integer from 1 to 4"),
    ({"n": "abc"}, "'n' must be an integer from 1 to 4"),
    ({"n": "1e400"}, "'n' must be an integer from 1 to 4"),
    ({"size": "300x300"}, "allowed sizes"),
    ({"response_format": "png"}, "'response_format' must be b64_json or url"),
])
def test_bad_edit_parameters_are_400(devnet: DevnetHandle, media_user: tuple, fields: dict, error: str) -> None:
    acct, _ = media_user
    p = devnet.provider("edit")
    r = requests.post(p["url"] + EDITS, files={"image": ("in.png", _png(), "image/png")}, timeout=60,
                      data={"model": p["model"], "prompt": "make it grayscale", **fields}, headers=_auth(acct, p))
    assert r.status_code == 400, r.text
    assert error in r.json()["error"]


@pytest.mark.parametrize(("fields", "files", "error"), [
    ({"language": "fr"}, {}, "English-only"),
    ({"response_format": "srt"}, {}, "'response_format' must be json, text or verbose_json"),
    ({}, {"language": ("lang.txt", b"en", "text/plain")}, "'language' must be a language code"),
])
def test_bad_transcription_parameters_are_400(devnet: DevnetHandle, media_user: tuple, fields: dict,
                                              files: dict, error: str) -> None:
    acct, _ = media_user
    p = devnet.provider("speech")
    r = requests.post(p["url"] + STT, files={"file": ("a.wav", WAV.read_bytes(), "audio/wav"), **files},
                      data={"model": p["model"], **fields}, headers=_auth(acct, p), timeout=60)
    assert r.status_code == 400, r.text
    assert error in r.json()["error"]


# ---------------------------------------------------------------- admission

def test_account_not_exist_reads_like_the_real_broker(devnet: DevnetHandle) -> None:
    p = devnet.provider("chat-lite")
    r = _post_json(p, CHAT, _auth(Account.create(), p), _chat_body(p["model"]))
    assert r.status_code == 400
    assert r.json() == {"error": "validate request: get account from contract, account not exist"}


def test_image_admission_includes_the_request_fee(devnet: DevnetHandle) -> None:
    """docs/protocol.md, admission: the locked balance must cover the request fee (n × outputPrice for images) on top
    of unsettled fees and the 1 OG reserve."""
    image, edit = devnet.provider("image"), devnet.provider("edit")  # 0.01 and 0.02 OG per image
    acct, sdk = _user(devnet, {"image": OG, "edit": OG})
    sdk.ledger.transfer_fund(image["address"], "inference", 15 * OG // 1000)  # locked 1.015 OG
    sdk.ledger.transfer_fund(edit["address"], "inference", 30 * OG // 1000)  # locked 1.03 OG

    body = {"model": image["model"], "prompt": "a red circle", "size": "256x256", "n": 2}
    r = _post_json(image, IMAGES, _auth(acct, image), json.dumps(body))
    assert r.status_code == 400
    assert r.json()["error"].startswith("validate request: insufficient balance: your locked balance is "
                                        "1.015000 0G, but the required minimum is 1.020000 0G")
    assert "current request fee 0.020000 0G" in r.json()["error"]
    body["n"] = 1
    assert _post_json(image, IMAGES, _auth(acct, image), json.dumps(body)).status_code == 200

    def edit_request(n: int) -> requests.Response:
        return requests.post(edit["url"] + EDITS, files={"image": ("in.png", _png(), "image/png")}, timeout=60,
                             data={"model": edit["model"], "prompt": "invert", "n": str(n)},
                             headers=_auth(acct, edit))

    r = edit_request(2)
    assert r.status_code == 400 and "current request fee 0.040000 0G" in r.json()["error"]
    assert edit_request(1).status_code == 200


@pytest.fixture
def unacknowledged_provider(devnet: DevnetHandle) -> Iterator[tuple[ProviderConfig, str]]:
    """A provider that registered (100 OG stake) but whose TEE signer the owner has not acknowledged,
    served by its own broker; removed afterwards, so the shared network lists its five providers again."""
    key = new_funded_account(devnet, 200).key.to_0x_hex()
    cfg = ProviderConfig(name="unacked", provider_key=key, tee_key=Account.create().key.to_0x_hex(),
                         service_type="chatbot", model="local/unacked", input_price=10**9, output_price=10**9,
                         settle_interval=0)
    inference = devnet.info["addresses"]["inference"]
    w3 = Web3(Web3.HTTPProvider(devnet.rpc_url))
    contract = w3.eth.contract(address=inference, abi=load_artifact("InferenceServing")["abi"])
    group = start_brokers([cfg], devnet.rpc_url, inference)
    try:
        params = ("chatbot", group[0][1], cfg.model, "TeeML", 10**9, 10**9, "{}", cfg.tee_address)
        _send(w3, key, contract.functions.addOrUpdateService(params), value=100 * OG)
        try:
            yield cfg, group[0][1]
        finally:
            _send(w3, key, contract.functions.removeService())
    finally:
        group.stop()


def test_admission_refusals_over_http(devnet: DevnetHandle, unacknowledged_provider: tuple) -> None:
    cfg, url = unacknowledged_provider
    provider = {"address": cfg.provider_address, "url": url}
    body = _chat_body(cfg.model)

    # A funded user: the service's TEE signer is the missing piece.
    funded, funded_sdk = _user(devnet, {})
    funded_sdk.ledger.transfer_fund(cfg.provider_address, "inference", 2 * OG)
    r = _post_json(provider, CHAT, _auth(funded, provider), body)
    assert r.status_code == 400
    assert r.json() == {"error": "validate request: service not acknowledge the tee signer"}

    # A user who emptied the sub-account and withdrew their acknowledgement of the provider.
    quitter, sdk = _user(devnet, {})
    sdk.ledger.transfer_fund(cfg.provider_address, "inference", OG)
    assert sdk.ledger.retrieve_fund_from_provider(cfg.provider_address, "inference")["success"]
    rpc(devnet, "evm_increaseTime", [devnet.info["lock_time"] + 1])
    assert sdk.ledger.retrieve_fund_from_provider(cfg.provider_address, "inference")["success"]
    _send(sdk.web3, quitter.key.to_0x_hex(), sdk.serving_contract.functions.acknowledgeTEESigner(
        cfg.provider_address, False))
    r = _post_json(provider, CHAT, _auth(quitter, provider), body)
    assert r.status_code == 400
    assert r.json()["error"].startswith("validate request: user not acknowledge the provider, ")

    # The owner acknowledges the signer: served at once (a refusal re-reads the chain).
    _send(sdk.web3, DEPLOYER[1], sdk.serving_contract.functions.acknowledgeTEESignerByOwner(cfg.provider_address))
    assert _post_json(provider, CHAT, _auth(funded, provider), body).status_code == 200
    assert _post_json(provider, CHAT, _auth(quitter, provider), body).json()["error"].startswith(
        "validate request: user not acknowledge the provider")


# ---------------------------------------------------------------- session revocation, with the SDK

def test_revocations_take_effect_at_once_with_the_sdk_session_manager(devnet: DevnetHandle) -> None:
    p = devnet.provider("chat-lite")
    acct, sdk = _user(devnet, {"chat-lite": 2 * OG})
    sessions = sdk.inference._session_manager
    body = _chat_body(p["model"])

    def chat(authorization: str) -> requests.Response:
        return _post_json(p, CHAT, {"Authorization": authorization}, body)

    api_key = "Bearer " + sessions.create_api_key(p["address"], token_id=5, expires_in=3_600_000).raw_token
    sdk_header = sessions.get_request_headers(p["address"])["Authorization"]
    assert chat(api_key).status_code == 200 and chat(sdk_header).status_code == 200  # both now cached

    sdk.inference.revoke_api_key(p["address"], 5)  # returns once the transaction is mined
    r = chat(api_key)
    assert r.status_code == 400
    assert r.json() == {"error": "validate session: session token has been revoked"}
    assert chat(sdk_header).status_code == 200  # the ephemeral token is untouched

    sdk.inference.revoke_all_tokens(p["address"])
    r = chat(sdk_header)
    assert r.json() == {"error": "validate session: session token has been revoked (generation expired)"}
    # The SDK's next token reads the generation from the bitmap's index (docs/protocol.md, what og_core does differently from the SDK): 0, not 1.
    r = chat(sessions.get_request_headers(p["address"])["Authorization"])
    assert r.json() == {"error": "validate session: session token has been revoked (generation expired)"}
    # A token with the real generation (getAccount()[9]) works right away: no "future generation".
    generation = sdk.serving_contract.functions.getAccount(acct.address, p["address"]).call()[9]
    assert generation == 1
    r = chat(make_token(acct.key.to_0x_hex(), p["address"], generation=generation))
    assert r.status_code == 200, r.text


# ---------------------------------------------------------------- body limit

def test_chunked_body_over_the_limit_is_413(devnet: DevnetHandle) -> None:
    """No Content-Length to check up front: the broker must count the streamed bytes."""
    p = devnet.provider("chat-lite")
    parsed = urlparse(p["url"])
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    conn.putrequest("POST", CHAT)
    conn.putheader("Transfer-Encoding", "chunked")
    conn.putheader("Content-Type", "application/json")
    conn.endheaders()
    chunk = b" " * (1 << 20)
    try:
        for _ in range(33):
            conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the broker may answer and close before the last chunk
    resp = conn.getresponse()
    assert resp.status == 413
    assert json.loads(resp.read()) == {"error": "request body too large"}
    conn.close()


# ---------------------------------------------------------------- web pages

def test_devnet_controls_refuse_web_pages(devnet: DevnetHandle) -> None:
    """A page in the user's browser is "local" too, and a form or no-cors fetch needs no CORS to POST:
    it could make every provider settle (spend gas) at will."""
    p = devnet.provider("chat-lite")
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null", "Content-Type": "text/plain"}):
        r = requests.post(p["url"] + "/devnet/settle", headers=headers, timeout=30)
        assert r.status_code == 403 and r.json() == {"error": "devnet controls are refused to web pages"}
        assert "access-control-allow-origin" not in {h.lower() for h in r.headers}
    assert requests.post(p["url"] + "/devnet/settle", timeout=30).status_code == 200  # programs still may
