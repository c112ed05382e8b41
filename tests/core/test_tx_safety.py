"""Transactions whose fate is uncertain, against the real local network: a receipt that does not come
(automine off), a send whose reply is lost, RPC hiccups while looking a pending tx up, a wallet
without gas, and the contract limits checked before the pre-flight."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from eth_account import Account
from web3 import Web3

import og_core.tx_sender
from og_core import NotFoundError, OgClient, RpcError, RuleError, TxTimeoutError, WalletBusyError
from tests.support.devnet import (
    ONE_OG,
    client_for,
    funded,
    new_funded_account,
    open_sub_accounts,
    prov,
    rpc,
    tx_count,
)

# What urllib3 puts in a connection error: a hex object id that once passed for revert data.
URLLIB3_TEXT = ("HTTPSConnectionPool(host='evmrpc.0g.ai', port=443): Max retries exceeded with url: / (Caused by "
                "NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f3a2c1b2d50>: Failed to "
                "establish a new connection: [Errno 111] Connection refused'))")


class FaultyProvider(Web3.HTTPProvider):
    """Fails the listed JSON-RPC methods with `error`; with `after`, only once the node has answered
    (the request went through, the reply was lost)."""

    def __init__(self, url: str, methods: set[str], error: BaseException, *, after: bool) -> None:
        super().__init__(url)
        self.methods, self.error, self.after = methods, error, after

    def make_request(self, method: Any, params: Any) -> Any:
        if method in self.methods:
            if self.after:
                super().make_request(method, params)
            raise self.error
        return super().make_request(method, params)


@contextmanager
def rpc_faults(client: OgClient, methods: set[str], error: BaseException, *, after: bool = False) -> Iterator[None]:
    original = client.web3.provider  # shared per RPC URL: always put it back
    client.web3.provider = FaultyProvider(client.rpc_url, methods, error, after=after)
    try:
        yield
    finally:
        client.web3.provider = original


@contextmanager
def automine_off(devnet) -> Iterator[None]:
    rpc(devnet, "evm_setAutomine", [False])
    try:
        yield
    finally:
        rpc(devnet, "evm_setAutomine", [True])


def lost_reply() -> requests.exceptions.ReadTimeout:
    return requests.exceptions.ReadTimeout("HTTPConnectionPool(host='127.0.0.1'): Read timed out. (read timeout=30)")


@pytest.fixture
def account(devnet):
    return new_funded_account(devnet)


@pytest.fixture
def wallet(devnet, account):
    with client_for(devnet, account) as c:
        yield c


# ------------------------------------------------------------------ pending transactions
def test_receipt_timeout_keeps_the_wallet_busy_until_mined(devnet, wallet):
    wallet.execute(wallet.plan_deposit("3"))
    before = tx_count(devnet)
    with automine_off(devnet):
        with pytest.raises(TxTimeoutError) as info:
            wallet.execute(wallet.plan_deposit("1"), receipt_timeout_s=0.5)
        assert "pending" in info.value.message and info.value.tx_hash
        reason = wallet.busy()
        assert reason and info.value.tx_hash in reason
        with pytest.raises(WalletBusyError):
            wallet.execute(wallet.plan_deposit("1"))
        assert tx_count(devnet) == before + 1
        record = wallet.history()[0]
        assert record.status == "pending" and record.tx_hash == info.value.tx_hash
        rpc(devnet, "evm_mine")
        assert wallet.busy() is None
    assert record.status == "confirmed"
    assert wallet.ledger().available_wei == 4 * ONE_OG


def test_lost_send_reply_is_pending_and_never_funds_twice(devnet, wallet):
    wallet.execute(wallet.plan_deposit("10"))
    p = prov(devnet, "chat-tee")
    before = tx_count(devnet)
    with automine_off(devnet):
        with rpc_faults(wallet, {"eth_sendRawTransaction"}, lost_reply(), after=True):
            with pytest.raises(TxTimeoutError) as info:
                wallet.execute(wallet.plan_fund_provider(p, "2"))
        assert "pending" in info.value.message and "not be sent again" in info.value.hint
        assert wallet.busy() and wallet.history()[0].status == "pending"
        with pytest.raises(WalletBusyError):  # the user's retry
            wallet.execute(wallet.plan_fund_provider(p, "2"))
        assert tx_count(devnet) == before + 1
        rpc(devnet, "evm_mine")
        assert wallet.busy() is None
    assert wallet.history()[0].status == "confirmed" and wallet.history()[0].tx_hash == info.value.tx_hash
    view = wallet.ledger()
    assert view.provider(p).balance_wei == 2 * ONE_OG and view.available_wei == 8 * ONE_OG


def test_rpc_hiccup_while_pending_is_not_called_dropped(devnet, wallet):
    wallet.execute(wallet.plan_deposit("3"))
    with automine_off(devnet):
        with pytest.raises(TxTimeoutError):
            wallet.execute(wallet.plan_deposit("1"), receipt_timeout_s=0.5)
        lookups = {"eth_getTransactionReceipt", "eth_getTransactionByHash", "eth_getTransactionCount"}
        with rpc_faults(wallet, lookups, requests.exceptions.ConnectionError(URLLIB3_TEXT)):
            assert wallet.busy()
            with pytest.raises(WalletBusyError):
                wallet.execute(wallet.plan_deposit("1"))
        assert wallet.history()[0].status == "pending"
        rpc(devnet, "evm_mine")
    assert wallet.busy() is None and wallet.history()[0].status == "confirmed"
    assert wallet.ledger().available_wei == 4 * ONE_OG


def test_rpc_hiccup_after_the_grace_period_is_not_called_dropped(devnet, wallet, monkeypatch):
    """The grace period only ends a wait for a tx the chain has no trace of; a lookup that fails
    proves nothing, however late."""
    wallet.execute(wallet.plan_deposit("3"))
    with automine_off(devnet):
        with pytest.raises(TxTimeoutError):
            wallet.execute(wallet.plan_deposit("1"), receipt_timeout_s=0.5)
        monkeypatch.setattr(og_core.tx_sender, "PENDING_GRACE_S", 0.0)
        lookups = {"eth_getTransactionReceipt", "eth_getTransactionByHash", "eth_getTransactionCount"}
        with rpc_faults(wallet, lookups, requests.exceptions.ConnectionError(URLLIB3_TEXT)):
            assert wallet.busy()
        assert wallet.history()[0].status == "pending"
        rpc(devnet, "evm_mine")
    assert wallet.busy() is None and wallet.history()[0].status == "confirmed"
    assert wallet.ledger().available_wei == 4 * ONE_OG


def _send_lost_before_the_node(wallet: OgClient) -> TxTimeoutError:
    """A send whose request never arrived: the node has no trace of it."""
    with rpc_faults(wallet, {"eth_sendRawTransaction"}, lost_reply()):
        with pytest.raises(TxTimeoutError) as info:
            wallet.execute(wallet.plan_deposit("1"))
    return info.value


def test_unknown_tx_is_dropped_once_its_nonce_is_used_elsewhere(devnet, wallet, account):
    wallet.execute(wallet.plan_deposit("3"))
    lost = _send_lost_before_the_node(wallet)
    assert wallet.busy()  # not found, but its nonce is still free and the grace period runs
    nonce = wallet.web3.eth.get_transaction_count(account.address)
    other = Account.sign_transaction({"to": account.address, "value": 0, "gas": 21000, "nonce": nonce,
                                      "gasPrice": wallet.web3.eth.gas_price, "chainId": 31337}, account.key)
    wallet.web3.eth.send_raw_transaction(other.raw_transaction)  # e.g. the same key in another wallet app
    assert wallet.busy() is None
    record = wallet.history()[0]
    assert record.tx_hash == lost.tx_hash and record.status == "dropped"
    wallet.execute(wallet.plan_deposit("1"))
    assert wallet.ledger().available_wei == 4 * ONE_OG


def test_unknown_tx_with_unused_nonce_is_dropped_after_the_grace_period(devnet, wallet, monkeypatch):
    wallet.execute(wallet.plan_deposit("3"))
    _send_lost_before_the_node(wallet)
    assert wallet.busy()
    monkeypatch.setattr(og_core.tx_sender, "PENDING_GRACE_S", 0.0)
    assert wallet.busy() is None and wallet.history()[0].status == "dropped"
    wallet.execute(wallet.plan_deposit("1"))
    assert wallet.ledger().available_wei == 4 * ONE_OG


def test_activity_shows_another_sessions_send_and_the_pending_tx(devnet, wallet, account):
    """A second client of the same wallet (another tab, a reloaded page) sees the send in progress and
    then the pending tx (what, amount, hash), without a chain call, until it is confirmed."""
    import threading
    import time

    wallet.execute(wallet.plan_deposit("3"))
    with client_for(devnet, account) as other:
        assert not other.activity().busy
        with automine_off(devnet):
            plan = wallet.plan_deposit("2")
            sender = threading.Thread(target=wallet.execute, args=(plan,), kwargs={"receipt_timeout_s": 30})
            sender.start()
            deadline = time.monotonic() + 20
            while other.activity().record is None and time.monotonic() < deadline:
                time.sleep(0.05)
            seen = other.activity()
            assert seen.sending and seen.busy
            assert seen.record is not None and seen.record.status == "pending"
            assert seen.record.amount_wei == 2 * ONE_OG and seen.record.what == plan.title
            assert seen.record.tx_hash and seen.record.tx_hash.startswith("0x")
            rpc(devnet, "evm_mine")
            sender.join(30)
        assert not other.activity().busy and seen.record.status == "confirmed"

        with automine_off(devnet):  # a receipt timeout: the wallet stays busy without the lock
            with pytest.raises(TxTimeoutError) as info:
                wallet.execute(wallet.plan_deposit("1"), receipt_timeout_s=0.5)
            after = other.activity()
            assert not after.sending and after.record is not None
            assert after.record.tx_hash == info.value.tx_hash
            rpc(devnet, "evm_mine")
        assert other.busy() is None  # resolves the pending tx by lookup
        assert not other.activity().busy


def test_a_refund_request_records_the_amount_asked_back(devnet, wallet):
    p = funded(devnet, wallet, amount="2")
    plan = wallet.plan_retrieve([p])
    assert plan.amount_wei == 0 and plan.requested_wei == 2 * ONE_OG  # nothing collectable yet
    wallet.execute(plan)
    record = wallet.history()[0]
    assert record.requested_wei == 2 * ONE_OG and record.providers == (p,)
    assert record.status == "confirmed"


# ------------------------------------------------------------------ gas and errors in words
def test_wallet_without_gas_gets_words_and_sends_nothing(devnet, wallet, account):
    p = funded(devnet, wallet, amount="2")
    deposit = wallet.plan_deposit("1")
    withdraw, refund = wallet.plan_withdraw("1"), wallet.plan_retrieve([p])
    rpc(devnet, "hardhat_setBalance", [account.address, "0x0"])
    before = tx_count(devnet)
    for plan in (withdraw, refund, deposit):
        with pytest.raises(RuleError) as info:
            wallet.execute(plan)
        assert info.value.message.startswith("Your wallet has 0 OG") and "gas" in info.value.message
        assert "Send at least" in info.value.hint
    with pytest.raises(RuleError):
        wallet.plan_deposit("1")
    assert tx_count(devnet) == before and wallet.busy() is None
    rpc(devnet, "hardhat_setBalance", [account.address, hex(1000)])  # some wei, far from the gas
    with pytest.raises(RuleError, match="needs about .* OG for gas"):
        wallet.execute(withdraw)
    assert tx_count(devnet) == before


def test_connection_error_with_hex_text_is_not_a_missing_ledger_service_or_account(devnet, wallet):
    p = funded(devnet, wallet, amount="2")
    wallet.execute(wallet.api_keys.plan_revoke_all(p))  # generation 1: a token with 0 would be refused
    with rpc_faults(wallet, {"eth_call"}, requests.exceptions.ConnectionError(URLLIB3_TEXT)):
        with pytest.raises(RpcError):
            wallet.plan_withdraw("1")  # not "You have no ledger"
        with pytest.raises(RpcError):
            wallet.service(p, refresh=True)  # not NotFoundError
        with pytest.raises(RpcError):  # not a token signed with generation 0 (refused by the provider)
            wallet.chat(p, [{"role": "user", "content": "hi"}], max_tokens=4)
        with pytest.raises(RpcError):
            wallet.api_keys.create(p, expires_in_s=3600)
    assert wallet.chat(p, [{"role": "user", "content": "hi"}], max_tokens=4).text
    with pytest.raises(NotFoundError):  # the real "none" answers still mean none
        wallet.service("0x" + "02" * 20, refresh=True)


# ------------------------------------------------------------------ contract limits, before the pre-flight
def test_a_sixth_active_refund_is_refused_in_the_plan(devnet, wallet):
    p = funded(devnet, wallet, amount="3")
    wallet.execute(wallet.plan_retrieve([p]))  # refund 1 of 3 OG
    for _ in range(4):  # a small top-up takes back part of the oldest refund, which frees that much to queue
        wallet.execute(wallet.plan_fund_provider(p, "0.1"))
        wallet.execute(wallet.plan_retrieve([p]))
    assert len(wallet.ledger().provider(p).refunds) == 5
    wallet.execute(wallet.plan_fund_provider(p, "0.1"))
    with pytest.raises(RuleError) as info:
        wallet.plan_retrieve([p])
    assert "at most 5" in info.value.message and "Collect unlocked refunds after" in info.value.hint


def test_a_provider_beyond_the_service_limit_is_refused_in_the_plan(devnet, wallet, account):
    wallet.execute(wallet.plan_deposit("60"))
    open_sub_accounts(devnet, wallet, account, 50)
    before = tx_count(devnet)
    with pytest.raises(RuleError) as info:
        wallet.plan_fund_provider(prov(devnet, "chat-tee"), "1")
    assert "at most 50" in info.value.message and info.value.hint
    assert tx_count(devnet) == before

