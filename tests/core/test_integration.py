"""og_core against the real local network (og_devnet) with the real SDK underneath."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
import requests
from web3 import Web3

from og_core import (
    ContractRevert,
    NotFoundError,
    OgClient,
    ProviderError,
    ReadOnlyError,
    RpcError,
    RuleError,
    Settings,
    TxKind,
    TxStep,
    VerificationStatus,
)
from tests.support.devnet import ONE_OG, client_for, funded, new_funded_account, prov, rpc, tx_count


@pytest.fixture
def wallet(devnet):
    with client_for(devnet, new_funded_account(devnet)) as c:
        yield c


# ------------------------------------------------------------------ discovery
def test_services_listed_and_normalised(devnet):
    with client_for(devnet) as c:
        assert c.read_only and c.address is None
        services = {s.provider: s for s in c.services(refresh=True, probe=True)}
        for p in devnet.info["providers"]:
            s = services[p["address"]]
            assert s.model == p["model"] and s.service_type == p["service_type"]
            assert s.health is not None and s.health.reachable and p["model"] in s.health.models
        tee = services[prov(devnet, "chat-tee")]
        assert tee.verifiable and tee.price_unit == "1M tokens"
        assert tee.output_price_wei * 10**6 == int(tee.output_price_og * ONE_OG)
        image = services[prov(devnet, "image")]
        assert image.price_unit == "image" and image.output_price_og == Decimal(image.output_price_wei) / ONE_OG
        with pytest.raises(NotFoundError):
            c.service("0x" + "01" * 20)
        with pytest.raises(ReadOnlyError):
            c.ledger()


# ------------------------------------------------------------------ ledger flows
def test_no_ledger_then_create_deposit_fund_withdraw(devnet, wallet):
    view = wallet.ledger()
    assert not view.exists and view.wallet_balance_wei == 100 * ONE_OG
    with pytest.raises(RuleError, match="at least 3 OG"):
        wallet.plan_deposit("2")
    steps = []
    plan = wallet.plan_deposit("5")
    assert plan.kind is TxKind.CREATE_LEDGER and plan.amount_og == 5
    result = wallet.execute(plan, lambda step, text: steps.append(step))
    assert steps == [TxStep.CHECKING, TxStep.SIMULATING, TxStep.SIGNING, TxStep.SENT, TxStep.CONFIRMED]
    assert result.tx_hash.startswith("0x") and result.status == "confirmed"
    assert wallet.plan_deposit("1").kind is TxKind.DEPOSIT  # ledger exists → depositFund
    wallet.execute(wallet.plan_deposit("1"))
    view = wallet.ledger()
    assert view.exists and view.available_wei == 6 * ONE_OG and view.total_wei == 6 * ONE_OG

    p = prov(devnet, "chat-tee")
    with pytest.raises(RuleError, match="at least 1 OG"):
        wallet.plan_fund_provider(p, "0.5")
    with pytest.raises(RuleError, match="available"):
        wallet.plan_fund_provider(p, "7")
    plan = wallet.plan_fund_provider(p, "2")
    assert any("acknowledges" in e for e in plan.effects)
    wallet.execute(plan)
    view = wallet.ledger()
    acct = view.provider(p)
    assert acct is not None and acct.balance_wei == 2 * ONE_OG and acct.acknowledged
    assert view.available_wei == 4 * ONE_OG and view.locked_wei == 2 * ONE_OG

    with pytest.raises(RuleError, match="0 or at least 3 OG"):
        wallet.plan_withdraw("2")
    with pytest.raises(RuleError, match="Only 4 OG"):
        wallet.plan_withdraw("5")
    wallet.execute(wallet.plan_withdraw("1"))
    assert wallet.ledger().available_wei == 3 * ONE_OG
    assert [r.kind for r in wallet.history()][:2] == [TxKind.WITHDRAW, TxKind.FUND_PROVIDER]
    assert all(r.status == "confirmed" for r in wallet.history())


def test_plans_carry_a_gas_estimate_that_matches_what_is_spent(devnet, wallet):
    """The confirmation dialog can say what gas will cost: estimated once when planned."""
    before = wallet.ledger().wallet_balance_wei
    plan = wallet.plan_deposit("5")
    assert plan.gas_fee_wei is not None and plan.gas_fee_wei > 0
    result = wallet.execute(plan)
    spent_on_gas = before - wallet.ledger().wallet_balance_wei - 5 * ONE_OG
    price = wallet.web3.eth.get_transaction(result.tx_hash)["gasPrice"]
    assert spent_on_gas == result.gas_used * price
    assert spent_on_gas <= plan.gas_fee_wei <= spent_on_gas * 13 // 10  # close to what the chain charged


def test_preflight_revert_spends_nothing(devnet, wallet):
    wallet.execute(wallet.plan_deposit("3"))
    plan = wallet.plan_withdraw("3")
    wallet.execute(wallet.plan_withdraw("3"))  # the ledger is gone now; the old plan reverts
    before = tx_count(devnet)
    with pytest.raises(ContractRevert) as info:
        wallet.execute(plan)
    assert "Nothing was sent" in info.value.hint
    assert tx_count(devnet) == before


def test_refund_two_phase_with_lock_time(devnet, wallet):
    p = funded(devnet, wallet)
    plan = wallet.plan_retrieve([p])
    assert any("requests a refund of 3 OG" in e for e in plan.effects)
    wallet.execute(plan)
    acct = wallet.ledger().provider(p)
    assert acct.pending_refund_wei == 3 * ONE_OG and acct.refunds
    assert acct.refunds[0].unlocks_at > wallet.chain_time()  # chain time, as the lock runs on it
    # still locked: a second retrieve collects nothing
    plan = wallet.plan_retrieve([p])
    assert plan.amount_wei == 0 and any("stays locked" in e for e in plan.effects)
    lock = wallet.ledger().lock_time_s
    rpc(devnet, "evm_increaseTime", [lock + 300])  # margin: devnet block times can run ahead of the clock
    rpc(devnet, "evm_mine")
    plan = wallet.plan_retrieve([p])
    assert plan.amount_wei == 3 * ONE_OG
    wallet.execute(plan)
    view = wallet.ledger()
    assert view.available_wei == 10 * ONE_OG and view.provider(p).balance_wei == 0


def test_fund_cancels_pending_refund_first(devnet, wallet):
    p = funded(devnet, wallet)
    wallet.execute(wallet.plan_retrieve([p]))
    plan = wallet.plan_fund_provider(p, "1")
    assert any("cancels 1 OG of pending refunds" in e for e in plan.effects)
    wallet.execute(plan)
    acct = wallet.ledger().provider(p)
    assert acct.balance_wei == 3 * ONE_OG and acct.pending_refund_wei == 2 * ONE_OG


def test_two_threads_funding_from_one_wallet_both_succeed(devnet):
    account = new_funded_account(devnet)
    a, b = client_for(devnet, account), client_for(devnet, account)  # two sessions, one wallet
    a.execute(a.plan_deposit("10"))
    providers = {a: prov(devnet, "chat-tee"), b: prov(devnet, "image")}
    plans = {c: c.plan_fund_provider(p, "2") for c, p in providers.items()}  # both planned on one state
    start = threading.Barrier(2)
    results, errors = [], []

    def fund(c):
        start.wait()
        try:
            results.append(c.execute(plans[c]))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    class SlowNode(Web3.HTTPProvider):  # a real node's latency: both threads are mid-flight at once
        def make_request(self, method, params):
            if method == "eth_sendRawTransaction":
                time.sleep(0.3)
            return super().make_request(method, params)

    original = a.web3.provider  # shared by both clients (one per RPC URL)
    a.web3.provider = SlowNode(devnet.rpc_url)
    try:
        threads = [threading.Thread(target=fund, args=(c,)) for c in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        a.web3.provider = original
    assert errors == [] and [r.status for r in results] == ["confirmed", "confirmed"]
    nonces = {a.web3.eth.get_transaction(r.tx_hash)["nonce"] for r in results}
    assert len(nonces) == 2
    view = a.ledger()
    assert all(view.provider(p).balance_wei == 2 * ONE_OG for p in providers.values())
    assert view.available_wei == 6 * ONE_OG
    assert len(a.history()) == 3 and len(b.history()) == 3  # shared per wallet


def test_views_readiness_chats_and_verification_send_no_transactions(devnet, wallet):
    # 2 OG and unsettled fees: the SDK's get_request_headers would top this provider up (locked <
    # unsettled + 2 OG), so this fails if og_core ever builds headers that way.
    p = funded(devnet, wallet, amount="2")
    before = tx_count(devnet)
    wallet.ledger()
    wallet.services(refresh=True, probe=True)
    assert wallet.provider_readiness(p).ready
    for question in ("What is 2 + 3?", "And 4 + 4?", "Name a colour."):
        r = wallet.chat(p, [{"role": "user", "content": question}], max_tokens=16)
        assert wallet.verify(r).status is VerificationStatus.VERIFIED
    stream = wallet.chat_stream(p, [{"role": "user", "content": "One more"}], max_tokens=8)
    list(stream)
    assert wallet.verify(stream.result).status is VerificationStatus.VERIFIED
    assert wallet.unsettled_fee(p) > 0  # nothing settled: the fees stay owed
    wallet.provider_readiness(p)
    wallet.ledger()
    assert tx_count(devnet) == before


# ------------------------------------------------------------------ inference
def test_chat_cost_chat_id_and_verification(devnet, wallet):
    p = funded(devnet, wallet)
    r = wallet.chat(p, [{"role": "user", "content": "Hello there"}], max_tokens=40)
    assert r.text and r.chat_id and r.usage.completion_tokens > 0
    svc = wallet.service(p)
    assert r.cost_wei == r.usage.prompt_tokens * svc.input_price_wei + r.usage.completion_tokens * svc.output_price_wei
    v = wallet.verify(r)
    assert v.status is VerificationStatus.VERIFIED, v.reason
    assert v.response_hash_matches is True and v.recovered_signer == svc.signing_address
    tampered = type(r)(**{**r.__dict__, "response_body": r.response_body + b" "})
    assert wallet.verify(tampered).status is VerificationStatus.INVALID
    assert wallet.unsettled_fee(p) >= r.cost_wei


def test_chat_stream_and_stop(devnet, wallet):
    p = funded(devnet, wallet)
    stream = wallet.chat_stream(p, [{"role": "user", "content": "Tell me about 0G"}], max_tokens=60)
    pieces = list(stream)
    r = stream.result
    assert "".join(pieces) == r.text and r.text and not r.cut and r.ttft_ms is not None
    assert r.chat_id and r.response_body.startswith(b"data:")
    assert wallet.verify(r).status is VerificationStatus.VERIFIED
    stop = threading.Event()
    stream = wallet.chat_stream(p, [{"role": "user", "content": "Tell me a long story"}], max_tokens=200,
                                stop_event=stop)
    for _ in stream:
        stop.set()
    assert stream.result.stopped


def test_provider_side_failures_in_words(devnet, wallet):
    p = prov(devnet, "chat-tee")
    with pytest.raises(ProviderError) as info:  # no sub-account
        wallet.chat(p, [{"role": "user", "content": "hi"}])
    assert info.value.kind in ("no_account", "not_acknowledged") and "Wallet page" in info.value.hint
    wallet.execute(wallet.plan_deposit("5"))
    wallet.execute(wallet.plan_fund_provider(p, "1"))  # only the 1 OG reserve: too little
    with pytest.raises(ProviderError) as info:
        wallet.chat(p, [{"role": "user", "content": "hi"}])
    assert info.value.kind == "insufficient_balance" and "more locked with it" in info.value.message
    wallet.execute(wallet.plan_fund_provider(p, "2"))
    with pytest.raises(ProviderError) as info:
        wallet.chat(p, [{"role": "user", "content": "hi"}], model="no/such-model")
    assert info.value.kind == "model_not_supported"


def test_revoke_all_tokens_then_chat_again(devnet, wallet):
    p = funded(devnet, wallet)
    wallet.chat(p, [{"role": "user", "content": "hi"}], max_tokens=8)
    key = wallet.api_keys.create(p, expires_in_s=3600)
    headers = {"Authorization": f"Bearer {key.token}"}
    url = wallet.service(p).url.rstrip("/") + "/v1/proxy/chat/completions"
    body = {"model": wallet.service(p).model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}
    assert requests.post(url, json=body, headers=headers, timeout=30).status_code == 200
    wallet.execute(wallet.api_keys.plan_revoke(p, key.info.token_id))
    deadline = time.monotonic() + 5  # brokers cache account state for a moment (1.5 s here)
    while requests.post(url, json=body, headers=headers, timeout=30).status_code == 200:
        assert time.monotonic() < deadline, "the revoked key still works"
        time.sleep(0.3)
    assert [k.revoked for k in wallet.api_keys.list(p)] == [True]
    wallet.execute(wallet.api_keys.plan_revoke_all(p))
    r = wallet.chat(p, [{"role": "user", "content": "still there?"}], max_tokens=8)  # new generation token
    assert r.text


def test_images_and_transcription(devnet, wallet):
    from pathlib import Path

    ip = funded(devnet, wallet, "image", "3")
    img = wallet.generate_images(ip, "a red square", n=1)
    assert img.images[0].startswith(b"\x89PNG") and img.cost_wei == wallet.service(ip).output_price_wei
    assert wallet.verify(img).status is VerificationStatus.VERIFIED
    ep = prov(devnet, "edit")
    wallet.execute(wallet.plan_fund_provider(ep, "2"))
    edited = wallet.edit_image(ep, img.images[0], "invert")
    assert edited.images and edited.chat_id
    sp = prov(devnet, "speech")
    wallet.execute(wallet.plan_fund_provider(sp, "2"))
    audio = (Path(__file__).parent.parent / "data" / "hello_world.wav").read_bytes()
    t = wallet.transcribe(sp, audio, filename="hello_world.wav")
    assert t.text.strip()


def test_rpc_down_is_an_rpc_error():
    with pytest.raises(RpcError):
        OgClient("local", settings=Settings(), rpc_url="http://127.0.0.1:9")


# ------------------------------------------------------------------ 0G's official contract bytecode
@pytest.mark.official
def test_flows_on_official_contracts(devnet_official):
    """Gas is estimated, not fixed: a first transferFund (~400k) and retrieveFund (~237k) must succeed."""
    h = devnet_official
    with client_for(h, new_funded_account(h)) as w:
        with pytest.raises(RuleError):
            w.plan_deposit("1")
        w.execute(w.plan_deposit("6"))
        p = prov(h, "chat-tee")
        result = w.execute(w.plan_fund_provider(p, "2"))
        assert result.gas_used > 300_000  # above the SDK's fixed 300k limit
        assert w.ledger().provider(p).acknowledged
        assert w.chat(p, [{"role": "user", "content": "hi"}], max_tokens=8).text
        w.execute(w.plan_retrieve([p]))
        rpc(h, "evm_increaseTime", [w.ledger().lock_time_s + 300])
        rpc(h, "evm_mine")
        w.execute(w.plan_retrieve([p]))
        view = w.ledger()
        assert view.provider(p).balance_wei == 0 and view.available_wei == 6 * ONE_OG
        w.execute(w.plan_withdraw("6"))
        assert not w.ledger().exists
        with pytest.raises(ContractRevert):  # pre-flight against the official bytecode decodes the error
            w.execute(_raw_refund_plan(w))


def _raw_refund_plan(w: OgClient):
    from og_core import TxPlan

    return TxPlan(kind=TxKind.WITHDRAW, wallet=w.address, title="raw refund", amount_wei=ONE_OG, effects=(),
                  function="refund", args=(ONE_OG,))


def test_warm_chat_makes_no_chain_calls(devnet, wallet):
    p = funded(devnet, wallet)
    wallet.chat(p, [{"role": "user", "content": "hi"}], max_tokens=4)  # warm: token + service cached
    calls = []

    class Counting(Web3.HTTPProvider):
        def make_request(self, method, params):
            calls.append(method)
            return super().make_request(method, params)

    original = wallet.web3.provider
    wallet.web3.provider = Counting(devnet.rpc_url)
    try:
        wallet.chat(p, [{"role": "user", "content": "hi"}], max_tokens=4)
        assert calls == []
        wallet.ledger()
        assert calls  # the counter does see og_core's chain reads
    finally:
        wallet.web3.provider = original
