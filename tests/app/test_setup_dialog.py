"""A wallet with no ledger gets ONE confirmation that sets up everything (issue 11): the Chat page's box
opens one dialog listing both transactions (create the ledger, fund the provider); nothing is sent
before Confirm, and one Confirm leaves the provider ready to chat. Fast tier: the in-memory client."""

from __future__ import annotations

import pytest

from og_core import TxKind
from tests.support.app import check, confirm, run_app, texts
from tests.support.fake_client import ONE_OG


def test_an_empty_wallet_is_set_up_for_chat_in_one_dialog(fake_net):
    tee = fake_net.of_type("chatbot")
    at = run_app("chat")  # the first demo wallet, which has nothing on the in-memory network
    at.selectbox(key="chat_provider").set_value(tee.provider)
    check(at.run())
    assert at.chat_input(key="chat_input").disabled
    at.text_input(key="chat_ledger_amount").set_value("5")
    at.text_input(key="chat_setup_amount").set_value("2")
    at.button(key="chat_setup_btn").click()
    check(at.run())
    dialog = " ".join(texts(at.markdown))
    assert "Transaction 1 of 2: Create your ledger with 5 OG" in dialog
    assert "Transaction 2 of 2: Fund provider" in dialog and "with 2 OG" in dialog
    assert fake_net.executed == []  # nothing moves before the Confirm the user saw

    confirm(at)
    assert [p.kind for p in fake_net.executed] == [TxKind.SETUP]
    assert [s.kind for s in fake_net.executed[0].steps] == [TxKind.CREATE_LEDGER, TxKind.FUND_PROVIDER]
    user = next(c.address for c in fake_net.clients if c.address)
    assert fake_net.ledgers[user] == 3 * ONE_OG
    assert fake_net.accounts[(user, tee.provider)].balance_wei == 2 * ONE_OG
    check(at.run())
    with pytest.raises(KeyError):  # no second dialog: the chat is open
        at.button(key="tx_confirm_btn")
    assert not at.chat_input(key="chat_input").disabled
