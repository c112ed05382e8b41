"""Acceptance: the whole local network (`python -m og_devnet` in a child process) driven by the
UNMODIFIED `0g-inference-sdk` and the OpenAI client, over both contract sets.

Every money assertion is exact: fees are recomputed from usage × the on-chain prices, and the
sub-account must drop by exactly that after `POST /devnet/settle`. Response signatures are checked
against the on-chain `teeSignerAddress`, and their response half against the bytes received.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
import requests
from eth_account import Account
from eth_account.messages import encode_defunct
from PIL import Image

from og_devnet.launch import DevnetHandle
from tests.support.devnet import new_funded_account, rpc
from tests.support.sdk import (
    A_BALANCE,
    A_PENDING_REFUND,
    OG,
    S_INPUT_PRICE,
    S_OUTPUT_PRICE,
    S_TEE_SIGNER,
    User,
    check_signature,
    new_sdk_user,
    sdk_broker,
    session_headers,
    settle_and_check,
    sha256_hex,
)

SERVICE_NAME = "inference-v1.0"  # the ledger's registered full name for the inference service
GAS_MARGIN = 1.2
WAV = Path(__file__).resolve().parents[1] / "data" / "hello_world.wav"
WAV_WORDS = ("hello", "world", "test", "network", "this", "is")


@pytest.fixture(scope="module", params=["ours", pytest.param("official", marks=pytest.mark.official)])
def net(request: pytest.FixtureRequest) -> DevnetHandle:
    return request.getfixturevalue("devnet" if request.param == "ours" else "devnet_official")


def _send_estimated(user: User, fn: Any, value: int = 0) -> dict:
    """What the SDK should do: eth_estimateGas plus a margin instead of a fixed limit."""
    w3 = user.sdk.web3
    tx = fn.build_transaction({"from": user.address, "value": value, "chainId": 31337,
                               "nonce": w3.eth.get_transaction_count(user.address),
                               "gasPrice": w3.eth.gas_price})
    tx["gas"] = int(w3.eth.estimate_gas({k: tx[k] for k in ("from", "to", "data", "value")}) * GAS_MARGIN)
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(user.acct.sign_transaction(tx).raw_transaction))
    assert receipt["status"] == 1
    return receipt


def _fund_new_provider(user: User, provider: str, amount: int = 2 * OG) -> None:
    """First transferFund to a provider. The SDK's fixed 300k gas is too low on 0G's official
    bytecode (docs/protocol.md, official contracts; asserted in test_sdk_transfer_fund_to_new_provider), so there we
    send the same call with an estimated limit."""
    if user.official:
        _send_estimated(user, user.sdk.ledger_contract.functions.transferFund(provider, SERVICE_NAME, amount))
    else:
        assert user.sdk.ledger.transfer_fund(provider, "inference", amount)["success"]
    assert user.account(provider)[A_BALANCE] == amount


def _retrieve(user: User, provider: str) -> None:
    """retrieveFund for one provider: the SDK's 200k limit fits our contracts, not 0G's (pitfall #22)."""
    if user.official:
        _send_estimated(user, user.sdk.ledger_contract.functions.retrieveFund([provider], SERVICE_NAME))
    else:
        assert user.sdk.ledger.retrieve_fund_from_provider(provider, "inference")["success"]


def _ready(net: DevnetHandle, name: str) -> tuple[User, dict]:
    """Fresh wallet, add_ledger("3"), list_service sees all nine, 2 OG moved to `name`."""
    user = new_sdk_user(net, "3")
    services = user.sdk.inference.list_service()
    assert {s.provider for s in services} == {p["address"] for p in net.providers}
    assert len(services) == 9
    p = net.provider(name)
    listed = next(s for s in services if s.provider == p["address"])
    assert (listed.url, listed.model, listed.tee_signer_address) == (p["url"], p["model"], p["tee_signer"])
    _fund_new_provider(user, p["address"], 2 * OG)
    assert user.ledger() == (OG, 3 * OG)  # 1 available, 2 locked in the sub-account
    return user, p


def test_chat_acceptance(net: DevnetHandle) -> None:
    user, p = _ready(net, "chat-tee")
    body = {"model": p["model"], "messages": [{"role": "user", "content": "What is 12 * 7?"}]}
    r = requests.post(p["url"] + "/v1/proxy/chat/completions", json=body,
                      headers=session_headers(user, p["address"]), timeout=30)
    assert r.status_code == 200, r.text
    data = r.json()
    assert "84" in data["choices"][0]["message"]["content"]
    chat_id = r.headers.get("ZG-Res-Key") or data["id"]
    check_signature(user, p, chat_id, sha256_hex(r.content))
    svc = user.service(p["address"])
    usage = data["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    fee = usage["prompt_tokens"] * svc[S_INPUT_PRICE] + usage["completion_tokens"] * svc[S_OUTPUT_PRICE]

    # Streaming: the signature covers the whole SSE text; usage comes in the last data chunk.
    r = requests.post(p["url"] + "/v1/proxy/chat/completions", json={**body, "stream": True},
                      headers=session_headers(user, p["address"]), timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = [line.removeprefix("data: ") for line in r.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert "84" in "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    check_signature(user, p, r.headers.get("ZG-Res-Key") or chunks[0]["id"], sha256_hex(r.content))
    streamed = chunks[-1]["usage"]
    fee += streamed["prompt_tokens"] * svc[S_INPUT_PRICE] + streamed["completion_tokens"] * svc[S_OUTPUT_PRICE]
    settle_and_check(user, p, fee)


def test_text_to_image_acceptance(net: DevnetHandle) -> None:
    user, p = _ready(net, "image")
    body = {"model": p["model"], "prompt": "a blue square on a yellow sky", "n": 2, "size": "256x256",
            "response_format": "b64_json"}
    r = requests.post(p["url"] + "/v1/proxy/images/generations", json=body,
                      headers=session_headers(user, p["address"]), timeout=60)
    assert r.status_code == 200, r.text
    images = [base64.b64decode(d["b64_json"]) for d in r.json()["data"]]
    assert len(images) == 2
    assert all(Image.open(io.BytesIO(img)).size == (256, 256) for img in images)
    check_signature(user, p, r.headers["ZG-Res-Key"], ",".join(sha256_hex(img) for img in images))
    settle_and_check(user, p, 2 * user.service(p["address"])[S_OUTPUT_PRICE])


def test_image_edit_acceptance(net: DevnetHandle) -> None:
    user, p = _ready(net, "edit")
    src = io.BytesIO()
    Image.new("RGB", (64, 48), (220, 30, 30)).save(src, format="PNG")
    r = requests.post(p["url"] + "/v1/proxy/images/edits", headers=session_headers(user, p["address"]), timeout=60,
                      files={"image": ("red.png", src.getvalue(), "image/png")},
                      data={"model": p["model"], "prompt": "make it grayscale", "n": "1",
                            "response_format": "b64_json"})
    assert r.status_code == 200, r.text
    out = base64.b64decode(r.json()["data"][0]["b64_json"])
    edited = Image.open(io.BytesIO(out)).convert("RGB")
    red, green, blue = edited.getpixel((10, 10))
    assert abs(red - green) < 8 and abs(green - blue) < 8  # the red square really went gray
    check_signature(user, p, r.headers["ZG-Res-Key"], sha256_hex(out))
    settle_and_check(user, p, user.service(p["address"])[S_OUTPUT_PRICE])


def test_speech_to_text_acceptance(net: DevnetHandle) -> None:
    user, p = _ready(net, "speech")
    r = requests.post(p["url"] + "/v1/proxy/audio/transcriptions", headers=session_headers(user, p["address"]),
                      files={"file": ("hello_world.wav", WAV.read_bytes(), "audio/wav")},
                      data={"model": p["model"], "response_format": "json", "language": "en"}, timeout=120)
    assert r.status_code == 200, r.text
    result = r.json()
    words = result["text"].lower()
    assert sum(w in words for w in WAV_WORDS) >= 2, result["text"]
    check_signature(user, p, r.headers["ZG-Res-Key"], sha256_hex(r.content))
    tokens = result["usage"]["output_tokens"]
    assert tokens > 0
    settle_and_check(user, p, tokens * user.service(p["address"])[S_OUTPUT_PRICE])


def test_openai_client(net: DevnetHandle) -> None:
    import openai

    user = new_sdk_user(net, "7")
    names = ("chat-tee", "image", "speech")
    clients = {}
    for name in names:
        p = net.provider(name)
        _fund_new_provider(user, p["address"], 2 * OG)
        token = session_headers(user, p["address"])["Authorization"].removeprefix("Bearer ")
        clients[name] = openai.OpenAI(base_url=p["url"] + "/v1/proxy", api_key=token, max_retries=0)

    chat = net.provider("chat-tee")
    chunks = list(clients["chat-tee"].chat.completions.create(
        model=chat["model"], stream=True, messages=[{"role": "user", "content": "Tell me about 0G."}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    usage = chunks[-1].usage
    assert usage is not None and usage.completion_tokens > 0 and usage.prompt_tokens > 0
    sig = requests.get(f"{chat['url']}/v1/proxy/signature/{chunks[0].id}", params={"model": chat["model"]},
                       timeout=10).json()
    assert Account.recover_message(encode_defunct(text=sig["text"]), signature=sig["signature"]) == \
        user.service(chat["address"])[S_TEE_SIGNER]
    svc = user.service(chat["address"])
    fee = usage.prompt_tokens * svc[S_INPUT_PRICE] + usage.completion_tokens * svc[S_OUTPUT_PRICE]
    settle_and_check(user, chat, fee)

    image = net.provider("image")
    generated = clients["image"].images.generate(model=image["model"], prompt="a green triangle", n=1,
                                                 size="256x256", response_format="b64_json")
    png = base64.b64decode(generated.data[0].b64_json)
    assert Image.open(io.BytesIO(png)).format == "PNG"

    speech = net.provider("speech")
    with WAV.open("rb") as audio:
        transcript = clients["speech"].audio.transcriptions.create(model=speech["model"], file=audio)
    assert sum(w in transcript.text.lower() for w in WAV_WORDS) >= 2, transcript.text


def test_sdk_transfer_fund_to_new_provider(net: DevnetHandle) -> None:
    """Kept visible (docs/protocol.md, official contracts): on 0G's official bytecode the SDK's fixed 300k gas limit for
    a first transferFund runs out of gas. When a release fixes it, this test fails on purpose."""
    user = new_sdk_user(net, "3")
    provider = net.provider("chat-lite")["address"]
    if not user.official:
        assert user.sdk.ledger.transfer_fund(provider, "inference", 2 * OG)["success"]
        assert user.account(provider)[A_BALANCE] == 2 * OG
        return
    sent_before = rpc(net, "devnet_txCount")
    with pytest.raises(Exception, match="Transaction failed"):
        user.sdk.ledger.transfer_fund(provider, "inference", 2 * OG)
    assert rpc(net, "devnet_txCount") == sent_before + 1  # it was mined and reverted
    w3 = user.sdk.web3
    failed = w3.eth.get_block("latest", full_transactions=True).transactions[0]
    receipt = w3.eth.get_transaction_receipt(failed["hash"])
    assert failed["from"] == user.address and failed["gas"] == 300_000 and receipt["status"] == 0
    assert user.ledger() == (3 * OG, 3 * OG)  # nothing moved
    _fund_new_provider(user, provider, 2 * OG)  # the estimated limit works


def test_refund_lock_and_two_phase_retrieve(net: DevnetHandle) -> None:
    user = new_sdk_user(net, "3")
    provider = net.provider("chat-lite")["address"]
    _fund_new_provider(user, provider, 2 * OG)
    assert user.ledger() == (OG, 3 * OG)

    _retrieve(user, provider)  # phase 1: queue a refund of everything unlocked
    account = user.account(provider)
    assert account[A_BALANCE] == 2 * OG and account[A_PENDING_REFUND] == 2 * OG
    assert user.ledger() == (OG, 3 * OG)

    _retrieve(user, provider)  # too early: the refund stays locked, nothing comes back
    assert user.account(provider)[A_PENDING_REFUND] == 2 * OG
    assert user.ledger() == (OG, 3 * OG)

    # margin: the devnet's block timestamps may run slightly ahead of the wall clock
    rpc(net, "evm_increaseTime", [int(net.info["lock_time"]) + 300])
    rpc(net, "evm_mine")
    _retrieve(user, provider)  # phase 2: collect
    account = user.account(provider)
    assert account[A_BALANCE] == 0 and account[A_PENDING_REFUND] == 0
    assert user.ledger() == (3 * OG, 3 * OG)
    ledger = user.sdk.ledger.get_ledger()
    assert ledger.balance == 3 * OG and ledger.total_balance == 3 * OG

    # The available balance really leaves: refund all of it (the ledger is then deleted). On 0G's
    # bytecode deleting the ledger and its sub-account needs more than the SDK's fixed 200k gas.
    w3 = user.sdk.web3
    before = w3.eth.get_balance(user.address)
    if user.official:
        _send_estimated(user, user.sdk.ledger_contract.functions.refund(3 * OG))
    else:
        assert user.sdk.ledger.refund("3")["success"]
    assert w3.eth.get_balance(user.address) > before + 3 * OG - 10**16  # minus gas
    with pytest.raises(Exception, match="LedgerNotExists"):
        user.sdk.ledger.get_ledger()


def test_custom_errors_decoded_by_sdk(net: DevnetHandle) -> None:
    from zerog_py_sdk.contract_errors import contract_error_from_exception, decode_contract_error

    acct = new_funded_account(net, 20)
    sdk = sdk_broker(net, acct.key.to_0x_hex())
    with pytest.raises(Exception, match=r"LedgerNotExists\(user="):  # a view: the SDK decodes it
        sdk.ledger.get_ledger()
    assert sdk.ledger.add_ledger("3")["success"]
    # A second add_ledger is mined and reverts; the SDK (fixed gas, no pre-flight) reports no reason …
    with pytest.raises(Exception, match="Transaction failed"):
        sdk.ledger.add_ledger("3")
    # … but the same call as eth_call carries the custom error, and the SDK's decoder names it.
    with pytest.raises(Exception) as info:
        sdk.ledger_contract.functions.addLedger("").call({"from": acct.address, "value": 3 * OG})
    decoded = decode_contract_error(info.value)
    assert decoded is not None and decoded.name == "LedgerExists"
    assert decoded.named_args["user"].lower() == acct.address.lower()
    assert "LedgerExists" in str(contract_error_from_exception("addLedger", info.value))
