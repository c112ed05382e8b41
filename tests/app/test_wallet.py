"""Wallet page: every transaction through the confirmation dialog, bad amounts refused, refunds with
advance time, faucet, API keys, and the wallet picker's key check."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest

from og_core import TxTimeoutError
from tests.support.app import TX_BUTTONS, confirm, paused, provider, texts
from tests.support.devnet import rpc

ONE_OG = 10**18
def _ledger(wallet):
    return wallet.client.ledger()


def _open_tab(at) -> str:
    """The label of the tab the server tells the browser to show in the wallet's tab bar."""
    stack = [at.main]
    while stack:
        node = stack.pop()
        if getattr(node, "type", None) == "tab_container":
            labels = [t.label for t in node.children.values()]
            if "Deposit" in labels:
                return labels[node.proto.tab_container.default_tab_index]
        stack.extend(getattr(node, "children", {}).values())
    raise AssertionError("no wallet tabs on the page")


@contextmanager
def _automine_off(devnet) -> Iterator[None]:
    rpc(devnet, "evm_setAutomine", [False])
    try:
        yield
    finally:
        rpc(devnet, "evm_setAutomine", [True])


def test_create_ledger_then_deposit(open_app, wallet):
    at = open_app("wallet", wallet)
    assert any("no ledger yet" in t for t in texts(at.info))
    at.text_input(key="wallet_deposit_amount").set_value("5")
    at.button(key="wallet_deposit_btn").click().run()
    assert any("Create your ledger with 5 OG" in t for t in texts(at.markdown))  # the dialog
    assert any(re.search(r"Gas: about 0\.0\d+ OG, paid from the wallet", t) for t in texts(at.caption))
    confirm(at)
    assert _ledger(wallet).available_wei == 5 * ONE_OG
    assert any("confirmed" in t for t in texts(at.success))
    assert not at.toast  # one notification: the box above, which a toast would cover
    assert any(m.label == "Ledger available" and m.value == "5 OG" for m in at.metric)

    nonce = wallet.nonce()
    at.run()  # a rerun after the send must not send again
    at.run()
    assert wallet.nonce() == nonce
    assert "tx_confirm" not in at.session_state

    at.text_input(key="wallet_deposit_amount").set_value("2.5")
    at.button(key="wallet_deposit_btn").click().run()
    at.button(key="tx_cancel_btn").click().run()  # cancel: nothing happens
    assert wallet.nonce() == nonce
    assert _ledger(wallet).available_wei == 5 * ONE_OG


@pytest.mark.parametrize("amount", ["0", "-1", "0.0000000000000000001", "abc", "", "5000000"])
def test_bad_deposit_amounts_change_nothing(open_app, wallet, amount):
    at = open_app("wallet", wallet)
    at.text_input(key="wallet_deposit_amount").set_value(amount)
    at.button(key="wallet_deposit_btn").click().run()
    assert not at.exception
    assert at.error, f"no error shown for {amount!r}"
    assert "tx_confirm" not in at.session_state
    assert "tx_confirm_btn" not in [b.key for b in at.button]
    assert wallet.nonce() == 0


def test_withdraw_above_available_is_refused(open_app, wallet):
    wallet.fund(ledger="5")
    at = open_app("wallet", wallet)
    nonce = wallet.nonce()
    at.text_input(key="wallet_withdraw_amount").set_value("50")
    at.button(key="wallet_withdraw_btn").click().run()
    assert at.error
    assert wallet.nonce() == nonce


def test_fund_refund_advance_collect(open_app, app_env, wallet):
    chat = provider(app_env, "chat-lite")
    wallet.fund(ledger="10")
    at = open_app("wallet", wallet)
    at.selectbox(key="wallet_fund_provider").set_value(chat)
    at.text_input(key="wallet_fund_amount").set_value("2")
    at.button(key="wallet_fund_btn").click().run()
    model = wallet.client.service(chat).model
    assert any(chat in t for t in texts(at.markdown))  # the dialog: the address og_core checked…
    assert any(model in t for t in texts(at.text))  # …and, apart and as plain text, the provider's name for it
    confirm(at)
    assert _ledger(wallet).provider(chat).balance_wei == 2 * ONE_OG

    at.selectbox(key="wallet_refund_provider").set_value(chat)
    at.button(key="wallet_refund_btn").click().run()
    assert any(m.label == "Requested back" and m.value == "2 OG" for m in at.metric)  # not "0 OG"
    confirm(at)
    acct = _ledger(wallet).provider(chat)
    assert acct.pending_refund_wei == 2 * ONE_OG
    assert any("unlocks in" in str(v) for v in at.dataframe[0].value["pending refunds"])
    assert any(m.label == "Pending refunds" and m.value == "2 OG" for m in at.metric)
    assert any(t.startswith("next unlocks in 2") for t in texts(at.caption))  # 24 h lock, minus seconds
    collect = at.button(key="wallet_collect_btn")
    assert collect.disabled

    at.number_input(key="wallet_advance_hours").set_value(25)
    at.button(key="wallet_advance_btn").click().run()
    assert not at.exception
    assert not at.button(key="wallet_collect_btn").disabled
    assert "1 of 1 unlocked" in texts(at.caption)
    at.button(key="wallet_collect_btn").click().run()
    confirm(at)
    view = _ledger(wallet)
    assert view.available_wei == 10 * ONE_OG
    assert view.provider(chat) is None or view.provider(chat).balance_wei == 0
    hist = at.dataframe[-1].value  # the History tab's table, newest first
    assert len(hist) == 4  # the setup deposit, fund, refund, collect (history is per wallet)
    assert all(h.startswith("0x") and len(h) == 66 for h in hist["tx hash"])
    assert list(hist["amount"]) == ["2 OG collected", "2 OG requested back", "2 OG", "10 OG"]
    # a date, not only a time: the chain's block times (Advance time moved the local chain's clock 25 h ahead)
    assert all(datetime.now().date() <= t.date() <= (datetime.now() + timedelta(hours=26)).date() for t in hist["time"])
    # funding and refunds from the chain's events with this app's notes; the setup deposit (made by the test
    # through og_core, so no note, and 0G's ledger emits no event for it) from this process's memory
    assert list(hist["source"]) == ["chain + this app's note"] * 3 + ["this app run"]
    assert any("Read from the chain" in t and "emits no event" in t for t in texts(at.caption))


def test_faucet_and_bad_faucet_amount(open_app, wallet):
    at = open_app("wallet", wallet)
    before = wallet.client.web3.eth.get_balance(wallet.address)
    at.text_input(key="wallet_faucet_amount").set_value("50")
    at.button(key="wallet_faucet_btn").click().run()
    assert wallet.client.web3.eth.get_balance(wallet.address) == before + 50 * ONE_OG
    at.text_input(key="wallet_faucet_amount").set_value("-3")
    at.button(key="wallet_faucet_btn").click().run()
    assert at.error
    assert wallet.client.web3.eth.get_balance(wallet.address) == before + 50 * ONE_OG


def test_api_key_create_list_revoke(open_app, app_env, wallet):
    chat = provider(app_env, "chat-tee")
    wallet.fund(chat)
    at = open_app("wallet", wallet)
    at.selectbox(key="wallet_key_provider").set_value(chat)
    at.button(key="wallet_key_create").click().run()
    assert not at.exception
    new = at.session_state["wallet_new_key"]
    assert new.token.startswith("app-sk-")
    # the secret reaches the page only when asked for: then once, in a copyable code block
    assert all(new.token not in t for t in texts(at.markdown) + texts(at.code) + texts(at.success))
    at.toggle(key="wallet_key_show").set_value(True).run()
    assert [t for t in texts(at.code) if new.token in t] == [new.token]
    hint = [t for t in texts(at.code) if "OpenAI(" in t]
    svc = wallet.client.service(chat)
    assert len(hint) == 1 and f'base_url="{svc.url}/v1/proxy"' in hint[0] and new.token not in hint[0]
    assert f'model="{svc.model}"' in hint[0]
    keys = [d.value for d in at.dataframe if "revoked" in d.value.columns]
    assert len(keys) == 1 and len(keys[0]) == 1 and not keys[0]["revoked"][0]
    at.button(key="wallet_key_revoke").click().run()
    confirm(at)
    assert any("confirmed" in t for t in texts(at.success))
    at.button(key="wallet_key_forget").click().run()
    assert "wallet_new_key" not in at.session_state
    assert all(new.token not in t for t in texts(at.code) + texts(at.markdown))


def test_malformed_private_key_is_refused(open_app):
    at = open_app("wallet")
    at.selectbox(key="ui_demo_address").set_value("tab").run()
    at.text_input(key="ui_key_input").set_value("0x1234").run()
    assert any("not a private key" in t for t in texts(at.sidebar.error))
    assert "ui_tab_key_local" not in at.session_state
    assert any("needs a wallet" in t for t in texts(at.info))


@pytest.mark.parametrize("address", ["0x1234", "not-an-address", "0x" + "g" * 40])
def test_malformed_provider_address_is_refused(open_app, wallet, address):
    wallet.fund(ledger="5")
    at = open_app("wallet", wallet)
    nonce = wallet.nonce()
    at.text_input(key="wallet_fund_address").set_value(address)
    at.button(key="wallet_fund_btn").click().run()
    assert any("not a provider address" in t for t in texts(at.error))
    assert "tx_confirm" not in at.session_state
    assert wallet.nonce() == nonce


def test_unregistered_provider_address_is_refused(open_app, wallet):
    wallet.fund(ledger="5")
    at = open_app("wallet", wallet)
    at.text_input(key="wallet_fund_address").set_value("0x" + "12" * 20)
    at.button(key="wallet_fund_btn").click().run()
    assert at.error and not at.exception
    assert "tx_confirm" not in at.session_state
    assert wallet.client.ledger().providers == ()


def test_capped_top_up(open_app, app_env, wallet):
    img = provider(app_env, "image")
    wallet.fund(img, ledger="20", each="1")
    at = open_app("wallet", wallet)
    at.selectbox(key="wallet_topup_provider").set_value(img)
    at.text_input(key="wallet_topup_target").set_value("3")
    at.text_input(key="wallet_topup_cap").set_value("0.5")
    at.button(key="wallet_topup_btn").click().run()
    assert any("0.5 OG" in t for t in texts(at.markdown))  # never more than the cap
    confirm(at)
    assert wallet.client.ledger().provider(img).balance_wei == ONE_OG + ONE_OG // 2


def test_wallet_metric_rounds_down(open_app, app_env, wallet):
    rpc(app_env, "hardhat_setBalance", [wallet.address, hex(9_989_999_930_000_000_000_000)])  # 9,989.99993 OG
    at = open_app("wallet", wallet)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Wallet"] == "9,989.9999 OG"  # never 9,990: that is more than there is
    assert "9,989.99993 OG" in next(m for m in at.metric if m.label == "Wallet").help


def test_the_chosen_tab_survives_a_transaction(open_app, app_env, wallet):
    chat = provider(app_env, "chat-lite")
    wallet.fund(chat, ledger="10", each="2")
    at = open_app("wallet", wallet)
    assert _open_tab(at) == "Deposit"
    at.session_state["wallet_tab"] = "Refunds"  # what a click on the tab sends
    at.run()
    assert _open_tab(at) == "Refunds"
    at.selectbox(key="wallet_refund_provider").set_value(chat)
    at.button(key="wallet_refund_btn").click().run()
    confirm(at)  # the send, its status box, then the rerun that refreshes the balances
    assert _ledger(wallet).provider(chat).pending_refund_wei == 2 * ONE_OG
    assert _open_tab(at) == "Refunds"
    at.run()
    assert _open_tab(at) == "Refunds"


def test_a_send_from_another_session_pauses_this_one_until_confirmed(open_app, app_env, wallet):
    """A reload or a second tab is a new session: it must see the wallet's send in progress."""
    wallet.fund(ledger="5")
    at = open_app("wallet", wallet)
    assert not paused(at) and not any(at.button(key=k).disabled for k in TX_BUTTONS)
    with _automine_off(app_env):
        plan = wallet.client.plan_deposit("2")
        sender = threading.Thread(target=wallet.client.execute, args=(plan,), kwargs={"receipt_timeout_s": 60})
        sender.start()
        deadline = time.monotonic() + 20
        while wallet.client.activity().record is None and time.monotonic() < deadline:
            time.sleep(0.05)
        record = wallet.client.activity().record
        assert record is not None
        at.run()  # this session has no job of its own
        assert all(at.button(key=k).disabled for k in TX_BUTTONS)
        notice = paused(at)
        assert len(notice) == 1 and plan.title in notice[0] and "2 OG" in notice[0] and record.tx_hash in notice[0]
        rpc(app_env, "evm_mine")
        sender.join(30)
    at.run()
    assert not paused(at)
    assert not at.button(key="wallet_deposit_btn").disabled
    assert any(m.label == "Ledger available" and m.value == "7 OG" for m in at.metric)


def test_a_pending_tx_is_shown_after_a_reload_until_mined(open_app, app_env, wallet):
    wallet.fund(ledger="5")
    with _automine_off(app_env):
        with pytest.raises(TxTimeoutError) as info:  # the session that sent it is gone (a reload)
            wallet.client.execute(wallet.client.plan_deposit("1.5"), receipt_timeout_s=0.5)
        at = open_app("wallet", wallet)  # the new session
        assert all(at.button(key=k).disabled for k in TX_BUTTONS)
        notice = paused(at)
        assert len(notice) == 1 and info.value.tx_hash in notice[0] and "1.5 OG" in notice[0]
        rpc(app_env, "evm_mine")
    at.run()
    assert not paused(at) and not at.button(key="wallet_deposit_btn").disabled
    assert wallet.client.history()[0].status == "confirmed"
    assert any(m.label == "Ledger available" and m.value == "6.5 OG" for m in at.metric)
