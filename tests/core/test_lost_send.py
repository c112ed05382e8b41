"""A send whose reply is lost or late, with the fault below web3's own retry layer: a real HTTP proxy
(tests/support/rpc_proxy.py) in front of the local RPC forwards every request to the node and loses the
reply to eth_sendRawTransaction. The transaction's fate must come from the chain alone: shown pending,
never sent twice, confirmed once, and never "nothing was spent" while it landed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

import og_core.networks
from og_core import OgClient, OgError, Settings, TxKind, TxTimeoutError, WalletBusyError
from tests.support.devnet import ONE_OG, automine_off, client_for, new_funded_account, prov, rpc, tx_count
from tests.support.rpc_proxy import RpcProxy

SEND = "eth_sendRawTransaction"
RPC_TIMEOUT_S = 2.0  # the proxied client's RPC timeout; a "slow" reply comes after it


@pytest.fixture
def proxy(devnet, monkeypatch) -> Iterator[RpcProxy]:
    monkeypatch.setattr(og_core.networks, "RPC_TIMEOUT_S", RPC_TIMEOUT_S)
    with RpcProxy(devnet.rpc_url, slow_s=RPC_TIMEOUT_S + 1.5) as p:
        yield p


def proxied(devnet, proxy: RpcProxy, account) -> OgClient:
    return OgClient("local", private_key=account.key.hex(), settings=Settings(), rpc_url=proxy.url,
                    addresses=devnet.info["addresses"])


@dataclass
class Case:
    """A wallet state to start from, the plan to send, and what the chain shows once it is mined."""

    kind: TxKind
    setup: Callable[[OgClient, str], None]
    plan: Callable[[OgClient, str], object]
    moved: Callable[[OgClient, str], bool]


def _ledger(amount: str) -> Callable[[OgClient, str], None]:
    return lambda c, p: c.execute(c.plan_deposit(amount)) and None


def _funded(c: OgClient, p: str) -> None:
    c.execute(c.plan_deposit("10"))
    c.execute(c.plan_fund_provider(p, "3"))


CASES = [
    Case(TxKind.CREATE_LEDGER, lambda c, p: None, lambda c, p: c.plan_deposit("3"),
         lambda c, p: c.ledger().available_wei == 3 * ONE_OG),
    Case(TxKind.DEPOSIT, _ledger("5"), lambda c, p: c.plan_deposit("2"),
         lambda c, p: c.ledger().available_wei == 7 * ONE_OG),
    Case(TxKind.WITHDRAW, _ledger("5"), lambda c, p: c.plan_withdraw("1"),
         lambda c, p: c.ledger().available_wei == 4 * ONE_OG),
    Case(TxKind.FUND_PROVIDER, _ledger("10"), lambda c, p: c.plan_fund_provider(p, "2"),
         lambda c, p: c.ledger().provider(p).balance_wei == 2 * ONE_OG and c.ledger().available_wei == 8 * ONE_OG),
    Case(TxKind.RETRIEVE, _funded, lambda c, p: c.plan_retrieve([p]),
         lambda c, p: c.ledger().provider(p).pending_refund_wei == 3 * ONE_OG),
    Case(TxKind.REVOKE_TOKEN, _funded, lambda c, p: c.api_keys.plan_revoke(p, 3),
         lambda c, p: c.ledger().provider(p).revoked_bitmap == 1 << 3),
    Case(TxKind.REVOKE_ALL_TOKENS, _funded, lambda c, p: c.api_keys.plan_revoke_all(p),
         lambda c, p: c.ledger().provider(p).generation == 1),
]


@pytest.mark.parametrize("fault", ["drop", "slow"])
@pytest.mark.parametrize("case", CASES, ids=[c.kind.value for c in CASES])
def test_lost_or_late_send_reply_is_pending_then_confirmed_once(devnet, proxy, case, fault):
    account = new_funded_account(devnet)
    p = prov(devnet, "chat-tee")
    with client_for(devnet, account) as direct, proxied(devnet, proxy, account) as wallet:
        case.setup(direct, p)
        plan = case.plan(wallet, p)
        assert plan.kind is case.kind
        before = tx_count(devnet)
        with automine_off(devnet):
            proxy.fail(SEND, fault)
            with pytest.raises(TxTimeoutError) as info:
                wallet.execute(plan, receipt_timeout_s=0.5)
            assert "pending" in info.value.message and "Nothing was" not in info.value.hint
            assert proxy.count(SEND) == 1  # no layer sent it again
            record = wallet.history()[0]
            assert record.status == "pending" and record.tx_hash == info.value.tx_hash
            assert wallet.busy() and info.value.tx_hash in wallet.busy()
            for session in (wallet, direct):  # the user's retry, from this tab or another one
                with pytest.raises(WalletBusyError):
                    session.execute(plan)
            assert proxy.count(SEND) == 1 and tx_count(devnet) == before + 1
            rpc(devnet, "evm_mine")
        assert wallet.busy() is None and direct.busy() is None
        assert record.status == "confirmed"
        assert case.moved(direct, p)  # moved once
        assert tx_count(devnet) == before + 1


@pytest.mark.parametrize("fault", ["drop", "slow", "twice"])
def test_the_double_deposit_from_issue_8(devnet, proxy, fault):
    """The reply to a 2 OG deposit is lost after the node mined it (or the send reaches the node twice,
    the second time answered "nonce too low"): it must read as confirmed or pending, never as
    refused with nothing spent, and the ledger moves 5 → 7 OG, once."""
    account = new_funded_account(devnet)
    with proxied(devnet, proxy, account) as wallet:
        wallet.execute(wallet.plan_deposit("5"))
        proxy.fail(SEND, fault)
        try:
            result = wallet.execute(wallet.plan_deposit("2"))
            assert result.status == "confirmed"
        except OgError as exc:
            words = f"{exc.message} {exc.hint}"
            assert isinstance(exc, TxTimeoutError), words
            assert "Nothing was" not in words and "refused" not in words
        assert wallet.busy() is None  # mined: the chain says so, the wallet is free again
        assert [r.status for r in wallet.history()] == ["confirmed", "confirmed"]
        assert wallet.ledger().available_wei == 7 * ONE_OG
        wallet.execute(wallet.plan_deposit("1"))  # the next deposit is a new one, sent once
        assert wallet.ledger().available_wei == 8 * ONE_OG
