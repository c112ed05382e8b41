"""One confirmation for everything a new wallet lacks (issue 11): og_core's SETUP plan creates the ledger
and funds the provider, against the real local network — the steps listed before anything is sent, sent
in order under the wallet's lock, a failure half-way said in words, and nothing sent twice after it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from og_core import ContractRevert, TxKind
from tests.support.devnet import ONE_OG, client_for, prov, tx_count


@pytest.fixture
def wallet(devnet, fresh_account):
    with client_for(devnet, fresh_account) as c:
        yield c


def test_a_new_wallet_is_set_up_with_one_plan_of_two_transactions(devnet, wallet):
    chat = prov(devnet, "chat-tee")
    before = tx_count(devnet)
    plan = wallet.plan_setup(chat, "2")
    assert tx_count(devnet) == before  # planning sends nothing
    assert plan.kind is TxKind.SETUP
    assert [s.kind for s in plan.steps] == [TxKind.CREATE_LEDGER, TxKind.FUND_PROVIDER]
    assert [s.amount_wei for s in plan.steps] == [3 * ONE_OG, 2 * ONE_OG]  # the ledger's minimum, then the transfer
    assert plan.amount_wei == 3 * ONE_OG and plan.providers == (chat,)
    assert "Ledger available balance: 3 OG → 1 OG." in plan.steps[1].effects

    steps: list[str] = []
    result = wallet.execute(plan, progress=lambda step, text: steps.append(text))
    assert tx_count(devnet) == before + 2
    assert result.status == "confirmed" and "2 transactions confirmed" in result.message
    assert "Transaction 1 of 2: Create your ledger with 3 OG" in steps
    view = wallet.ledger()
    assert view.available_wei == ONE_OG and view.provider(chat).balance_wei == 2 * ONE_OG
    assert wallet.provider_readiness(chat).ready
    assert [r.kind for r in wallet.history()] == [TxKind.FUND_PROVIDER, TxKind.CREATE_LEDGER]


def test_a_failed_second_step_says_what_was_done_and_a_new_plan_does_not_repeat_it(devnet, wallet):
    chat = prov(devnet, "chat-tee")
    plan = wallet.plan_setup(chat, "2", "4")
    fund = plan.steps[1]
    provider, service, _amount = fund.args
    # the transfer asks more than the new ledger will hold: the contract refuses it in the pre-flight
    broken = replace(plan, steps=(plan.steps[0], replace(fund, args=(provider, service, 50 * ONE_OG))))
    before = tx_count(devnet)
    with pytest.raises(ContractRevert) as info:
        wallet.execute(broken)
    assert tx_count(devnet) == before + 1  # the ledger only
    err = info.value
    assert err.message.startswith(f"Transaction 2 of 2 ({fund.title}) did not go through:")
    assert "Done before it, and kept: Create your ledger with 4 OG (block " in err.hint
    assert "Setting up again sends only what is still missing." in err.hint
    assert wallet.ledger().available_wei == 4 * ONE_OG

    again = wallet.plan_setup(chat, "2")  # the ledger exists now: only the transfer is left
    assert again.kind is TxKind.FUND_PROVIDER and not again.steps
    wallet.execute(again)
    assert tx_count(devnet) == before + 2
    assert wallet.ledger().provider(chat).balance_wei == 2 * ONE_OG


def test_a_ledger_created_meanwhile_is_not_created_again(devnet, fresh_account, wallet):
    chat = prov(devnet, "chat-tee")
    plan = wallet.plan_setup(chat, "2")
    with client_for(devnet, fresh_account) as other_tab:
        other_tab.execute(other_tab.plan_deposit("3"))
    before = tx_count(devnet)
    notes: list[str] = []
    wallet.execute(plan, progress=lambda step, text: notes.append(text))
    assert tx_count(devnet) == before + 1
    assert "Your ledger exists already (created meanwhile): not sent." in notes
    assert wallet.ledger().provider(chat).balance_wei == 2 * ONE_OG


def test_a_ledger_short_of_the_transfer_gets_the_difference_first(devnet, wallet):
    chat, image = prov(devnet, "chat-tee"), prov(devnet, "image")
    wallet.execute(wallet.plan_deposit("3"))
    wallet.execute(wallet.plan_fund_provider(image, "2"))  # 1 OG left in the ledger
    plan = wallet.plan_setup(chat, "3")
    assert [(s.kind, s.amount_wei) for s in plan.steps] == [(TxKind.DEPOSIT, 2 * ONE_OG),
                                                          (TxKind.FUND_PROVIDER, 3 * ONE_OG)]
    wallet.execute(plan)
    assert wallet.ledger().provider(chat).balance_wei == 3 * ONE_OG


def test_setup_rules_are_checked_before_anything_is_sent(devnet, wallet):
    from og_core import RuleError

    chat = prov(devnet, "chat-tee")
    before = tx_count(devnet)
    with pytest.raises(RuleError, match="less than the 5 OG for the provider"):
        wallet.plan_setup(chat, "5", "3")
    with pytest.raises(RuleError, match="first transfer to a provider must be at least 1 OG"):
        wallet.plan_setup(chat, "0.5")
    assert tx_count(devnet) == before
