"""The broker against a real local chain, our contracts, and the unmodified SDK / OpenAI client."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3

from og_devnet.accounts import DEPLOYER, PROVIDER_WALLETS, USERS, tee_key
from og_devnet.broker import ProviderConfig, start_brokers
from tests.support.tokens import make_token

OG = 10**18
MODEL = "local/test-chat"
IN_PRICE, OUT_PRICE = 10**12, 2 * 10**12


@dataclass
class Net:
    w3: Web3
    rpc_url: str
    inference: str
    url: str
    cfg: ProviderConfig
    app: object
    contracts: str


def _fund(net: Net, broker, user_key: str, amount: int) -> None:
    """SDK transfer_fund on our contracts; on 0G's bytecode its fixed 300k gas is too low for a new
    sub-account (docs/protocol.md, what og_core does differently from the SDK), so send the same call with an estimated limit."""
    provider = net.cfg.provider_address
    if net.contracts == "ours":
        broker.ledger.transfer_fund(provider, "inference", amount)
        return
    fn = broker.ledger_contract.functions.transferFund(provider, "inference-v1.0", amount)
    acct = Account.from_key(user_key)
    tx = fn.build_transaction({"from": acct.address, "nonce": net.w3.eth.get_transaction_count(acct.address),
                               "gas": int(fn.estimate_gas({"from": acct.address}) * 1.3),
                               "gasPrice": net.w3.eth.gas_price, "chainId": 31337})
    receipt = net.w3.eth.wait_for_transaction_receipt(
        net.w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction))
    assert receipt["status"] == 1


@pytest.fixture(scope="module", params=["ours", pytest.param("official", marks=pytest.mark.official)])
def net(request: pytest.FixtureRequest) -> Iterator[Net]:
    from og_devnet.chain import ChainNode
    from og_devnet.deploy import deploy, register_provider

    node = ChainNode()
    rpc_url = node.start(0)
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    addrs = deploy(w3, DEPLOYER[1], contracts=request.param)
    cfg = ProviderConfig(name="chat-it", provider_key=PROVIDER_WALLETS[0][1], tee_key=tee_key("chat-it"),
                         service_type="chatbot", model=MODEL, input_price=IN_PRICE, output_price=OUT_PRICE,
                         settle_interval=0)
    group = start_brokers([cfg], rpc_url, addrs.inference)
    _, url = group[0]
    register_provider(w3, addrs.inference, cfg.provider_key, DEPLOYER[1], service_type="chatbot", url=url,
                      model=MODEL, input_price=IN_PRICE, output_price=OUT_PRICE, verifiability="TeeML",
                      additional_info="{}", tee_signer=cfg.tee_address)
    group.apps["chat-it"].state.broker.chain.ttl = 0.2  # tests change chain state between requests
    try:
        yield Net(w3, rpc_url, addrs.inference, url, cfg, group.apps["chat-it"], request.param)
    finally:
        group.stop()
        node.stop()


def _broker(user_key: str, rpc_url: str):
    from zerog_py_sdk import create_broker

    return create_broker(user_key, network="hardhat", rpc_url=rpc_url)


def _chat(url: str, headers: dict, model: str = MODEL, **extra) -> requests.Response:
    body = {"model": model, "messages": [{"role": "user", "content": "hello there"}], **extra}
    return requests.post(url + "/v1/proxy/chat/completions", json=body, headers=headers, timeout=30)


def test_sdk_flow_sign_and_settle(net: Net) -> None:
    user_key = USERS[0][1]
    broker = _broker(user_key, net.rpc_url)
    broker.ledger.add_ledger("3")
    services = broker.inference.list_service()
    assert any(s.provider == net.cfg.provider_address for s in services)
    _fund(net, broker, user_key, 2 * OG)
    headers = broker.inference._session_manager.get_request_headers(net.cfg.provider_address)
    r = _chat(net.url, headers)
    assert r.status_code == 200, r.text
    data = r.json()
    assert r.headers["ZG-Res-Key"] == data["id"]
    usage = data["usage"]
    fee = usage["prompt_tokens"] * IN_PRICE + usage["completion_tokens"] * OUT_PRICE

    sig = requests.get(f"{net.url}/v1/proxy/signature/{data['id']}", params={"model": MODEL}, timeout=10).json()
    inference = broker.serving_contract
    on_chain_signer = inference.functions.getService(net.cfg.provider_address).call()[9]
    assert Account.recover_message(encode_defunct(text=sig["text"]), signature=sig["signature"]) == on_chain_signer
    assert sig["text"].endswith(":" + __import__("hashlib").sha256(r.content).hexdigest())

    user = Account.from_key(user_key).address
    fee_url = f"{net.url}/v1/user/{user}/unsettledfee"
    assert requests.get(fee_url, headers=headers, timeout=10).json()["unsettledFee"] == str(fee)
    other = requests.get(f"{net.url}/v1/user/{USERS[1][0]}/unsettledfee", headers=headers, timeout=10)
    assert other.status_code == 403

    before = inference.functions.getAccount(user, net.cfg.provider_address).call()[3]
    settled = requests.post(net.url + "/devnet/settle", timeout=60).json()["settled"]
    assert [(s["user"], int(s["fee"])) for s in settled] == [(user, fee)]
    after = inference.functions.getAccount(user, net.cfg.provider_address).call()[3]
    assert before - after == fee
    assert requests.get(fee_url, headers=headers, timeout=10).json()["unsettledFee"] == "0"


def test_admission_failures(net: Net) -> None:
    provider = net.cfg.provider_address
    # no sub-account
    nobody = USERS[2][1]
    r = _chat(net.url, {"Authorization": make_token(nobody, provider)})
    assert r.status_code == 400
    assert r.json()["error"].startswith("validate request: get account from contract, account not exist")

    user_key = USERS[3][1]
    broker = _broker(user_key, net.rpc_url)
    broker.ledger.add_ledger("3")
    _fund(net, broker, user_key, OG)  # exactly the reserve: no room for a fee
    auth = {"Authorization": make_token(user_key, provider)}
    r = _chat(net.url, auth)
    assert r.status_code == 400
    assert "validate request: insufficient balance: your locked balance is 1.000000 0G" in r.json()["error"]

    _fund(net, broker, user_key, OG)
    time.sleep(0.3)
    r = _chat(net.url, auth, model="local/other")
    assert r.status_code == 400
    assert r.json()["error"] == f'model not supported: requested "local/other", accepted: ["{MODEL}"]'
    assert _chat(net.url, auth).status_code == 200

    cases = [
        (make_token(user_key, provider, timestamp_ms=int(time.time() * 1000) - 7_200_000),
         "validate session: session token expired"),
        (make_token(user_key, provider, address=Account.from_key(user_key).address, signer_key=USERS[4][1]),
         "validate session: signature verification failed: address mismatch"),
        (make_token(user_key, USERS[5][0]), "validate session: session token is for different provider"),
        (make_token(user_key, provider, generation=1), "validate session: invalid session token (future generation)"),
    ]
    for header, text in cases:
        r = _chat(net.url, {"Authorization": header})
        assert r.status_code == 400 and r.json()["error"] == text, r.text

    # revoke persistent token 4, then revoke all
    key4 = make_token(user_key, provider, token_id=4, duration_ms=0)
    assert _chat(net.url, {"Authorization": key4}).status_code == 200
    inference = broker.serving_contract
    _send(net.w3, user_key, inference.functions.revokeToken(provider, 4))
    time.sleep(0.3)
    r = _chat(net.url, {"Authorization": key4})
    assert r.json()["error"] == "validate session: session token has been revoked"
    _send(net.w3, user_key, inference.functions.revokeAllTokens(provider))
    time.sleep(0.3)
    r = _chat(net.url, auth)
    assert r.json()["error"] == "validate session: session token has been revoked (generation expired)"


def _send(w3: Web3, key: str, fn) -> None:
    acct = Account.from_key(key)
    tx = fn.build_transaction({"from": acct.address, "nonce": w3.eth.get_transaction_count(acct.address),
                               "gas": 300_000, "gasPrice": w3.eth.gas_price, "chainId": 31337})
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction))
    assert receipt["status"] == 1


def test_openai_client_streams(net: Net) -> None:
    import openai

    user_key = USERS[6][1]
    broker = _broker(user_key, net.rpc_url)
    broker.ledger.add_ledger("3")
    _fund(net, broker, user_key, 2 * OG)
    token = make_token(user_key, net.cfg.provider_address).removeprefix("Bearer ")
    client = openai.OpenAI(base_url=net.url + "/v1/proxy", api_key=token)
    chunks = list(client.chat.completions.create(model=MODEL, stream=True,
                                                 messages=[{"role": "user", "content": "hi"}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    sig = requests.get(f"{net.url}/v1/proxy/signature/{chunks[0].id}", timeout=10).json()
    assert Account.recover_message(encode_defunct(text=sig["text"]), signature=sig["signature"]) == \
        net.cfg.tee_address
    plain = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    assert plain.choices[0].message.content and plain.usage.total_tokens > 0
    with pytest.raises(openai.BadRequestError) as err:  # the body is the broker's {"error": "<text>"}
        client.images.generate(model=MODEL, prompt="a cat")
    assert "unsupported endpoint" in str(err.value.body)


def test_public_routes(net: Net) -> None:
    import base64

    q = requests.get(net.url + "/v1/quote", timeout=10).json()
    assert q["simulated"] is True
    assert base64.b64decode(q["report_data"]).rstrip(b"\0").decode() == net.cfg.tee_address
    m = requests.get(net.url + "/v1/models", timeout=10).json()
    assert m["data"][0]["id"] == MODEL and m["data"][0]["tee_attested"] is True
    r = requests.get(net.url + "/v1/proxy/signature/nope", timeout=10)
    assert r.json() == {"error": "Chat id not found or expired, chat_id_not_found"}
    r = requests.post(net.url + "/v1/proxy/embeddings", json={}, timeout=10)
    assert r.status_code == 400 and r.json() == {"error": "unsupported endpoint"}
    r = requests.post(net.url + "/v1/proxy/chat/completions", data=b"{bad", timeout=10,
                      headers={"Authorization": make_token(USERS[0][1], net.cfg.provider_address)})
    assert r.status_code == 400 and r.json()["error"].startswith("invalid JSON body")
