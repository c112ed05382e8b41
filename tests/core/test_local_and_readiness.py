"""og_core's local developer controls (`client.local`, demo wallets) and the provider readiness check."""

from __future__ import annotations

import dataclasses

import pytest

from og_core import OgError, ProviderAccount, local_demo_accounts
from og_core.readiness import assess
from tests.support.devnet import ONE_OG, client_for, new_funded_account, prov, tx_count

P = "0x" + "ab" * 20


def account(balance: int, pending: int = 0, acknowledged: bool = True) -> ProviderAccount:
    return ProviderAccount(provider=P, balance_wei=balance, pending_refund_wei=pending, acknowledged=acknowledged,
                           generation=0, revoked_bitmap=0)


# ------------------------------------------------------------------ readiness (pure)
def test_readiness_without_ledger_or_account_suggests_a_first_transfer():
    r = assess(P, None, None, 0)
    assert not r.ready and not r.ledger_exists and "no ledger yet" in r.reason and "3 OG" in r.reason
    r = assess(P, (5 * ONE_OG, 5 * ONE_OG), None, 0)
    assert not r.ready and r.ledger_exists and not r.account_exists and "not funded yet" in r.reason
    assert r.suggested_top_up_wei == 2 * ONE_OG and r.ledger_available_wei == 5 * ONE_OG


def test_readiness_counts_reserve_pending_refunds_and_unsettled_fees():
    ledger = (5 * ONE_OG, 8 * ONE_OG)
    r = assess(P, ledger, account(ONE_OG), 0)  # only the reserve
    assert not r.ready and "holds 1 OG of yours" in r.reason and r.suggested_top_up_wei == ONE_OG
    r = assess(P, ledger, account(3 * ONE_OG, pending=2 * ONE_OG), 0)  # pending refunds are not usable
    assert not r.ready and r.held_wei == ONE_OG and r.usable_wei == 0
    r = assess(P, ledger, account(ONE_OG + ONE_OG // 10), ONE_OG // 5)  # unsettled fees eat the spare
    assert not r.ready and "not settled yet" in r.reason and r.usable_wei == 0
    assert r.suggested_top_up_wei == 2 * ONE_OG  # 1 + 0.2 + 1 − 1.1 = 1.1, rounded up to whole OG
    r = assess(P, ledger, account(3 * ONE_OG), ONE_OG // 2)
    assert r.ready and r.usable_wei == 3 * ONE_OG // 2 and r.suggested_top_up_wei == 0 and "Ready" in r.reason


def test_readiness_unacknowledged_or_fee_unknown():
    ledger = (5 * ONE_OG, 8 * ONE_OG)
    r = assess(P, ledger, account(3 * ONE_OG, acknowledged=False), 0)
    assert not r.ready and "not acknowledged" in r.reason
    r = assess(P, ledger, account(3 * ONE_OG), None)
    assert r.ready and r.unsettled_fee_wei is None and "did not report" in r.reason


# ------------------------------------------------------------------ against the local network
def test_provider_readiness_follows_funding_and_sends_nothing(devnet):
    with client_for(devnet, new_funded_account(devnet)) as c:
        p = prov(devnet, "chat-tee")
        before = tx_count(devnet)
        assert not c.provider_readiness(p).ledger_exists
        assert tx_count(devnet) == before
        c.execute(c.plan_deposit("5"))
        r = c.provider_readiness(p)
        assert r.ledger_exists and not r.account_exists and r.suggested_top_up_wei == 2 * ONE_OG
        c.execute(c.plan_fund_provider(p, "1"))
        r = c.provider_readiness(p)
        assert r.account_exists and r.acknowledged and not r.ready and r.unsettled_fee_wei == 0
        c.execute(c.plan_fund_provider(p, str(r.suggested_top_up_og)))
        r = c.provider_readiness(p)
        assert r.ready and r.held_wei == 2 * ONE_OG and r.usable_wei == ONE_OG and r.reserve_wei == ONE_OG
        res = c.chat(p, [{"role": "user", "content": "hi"}], max_tokens=8)
        assert c.provider_readiness(p).unsettled_fee_wei >= res.cost_wei > 0


def test_local_tools_faucet_and_clock(devnet):
    acct = new_funded_account(devnet, og=1)
    with client_for(devnet, acct) as c:
        tools = c.local
        assert tools is not None and c.local is tools
        assert tools.faucet(acct.address, "50") == 51 * ONE_OG == c.web3.eth.get_balance(acct.address)
        for bad in ("-3", "10001", "abc"):
            with pytest.raises(OgError):
                tools.faucet(acct.address, bad)
        with pytest.raises(OgError):
            tools.faucet("0x1234", "1")
        assert c.web3.eth.get_balance(acct.address) == 51 * ONE_OG
        t0 = tools.chain_time()
        assert tools.advance_time(120) >= t0 + 120
        with pytest.raises(OgError):
            tools.advance_time(0)
        c._s.profile = dataclasses.replace(c._s.profile, name="testnet")  # as if on a public network
        c._local = None
        assert c.local is None


def test_local_demo_accounts_are_the_devnets(devnet):
    assert [tuple(a) for a in local_demo_accounts()] == [(a["address"], a["private_key"])
                                                          for a in devnet.info["demo_accounts"]]
    assert local_demo_accounts()[0].address == local_demo_accounts()[0][0]
