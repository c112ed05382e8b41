"""Funding outside the Wallet page (Discover's Fund popover, the Chat/media fund box): the popover gets
out of the dialog's way, and a confirmed transfer leaves one toast, not a box that stays forever."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from og_core import SecretStr
from tests.support.app import TIMEOUT, confirm, provider, texts

ONE_OG = 10**18


def _fund_popover_page(provider: str) -> None:
    """The app frame's transaction part plus the popover, as Discover uses it."""
    from og_ui import funding, session, tx
    from og_ui.widgets import toast_pending

    toast_pending()
    tx.render("discover")
    client = session.get_client()
    funding.fund_popover(client, client.service(provider), key="disc_fund")


def _banners(at: AppTest) -> list[str]:
    return [t for t in texts(at.success) if "Transaction hash" in t]


def test_fund_popover_closes_for_the_dialog_and_leaves_only_a_toast(app_env, wallet):
    chat = provider(app_env, "chat-lite")
    wallet.fund(ledger="10")
    at = AppTest.from_function(_fund_popover_page, args=(chat,), default_timeout=TIMEOUT)
    at.session_state["ui_demo_address"] = "tab"
    at.session_state["ui_tab_key_local"] = SecretStr(wallet.key)
    at.session_state["disc_fund_popover"] = True  # the user opened it
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.text_input(key="disc_fund_amount").set_value("0").run()
    at.button(key="disc_fund_btn").click().run()
    assert at.error and at.session_state["disc_fund_popover"] is True  # a refused amount: stays open to fix it

    at.text_input(key="disc_fund_amount").set_value("2").run()
    at.button(key="disc_fund_btn").click().run()
    assert at.session_state["disc_fund_popover"] is False  # closed: the dialog is not hidden behind it
    model = wallet.client.service(chat).model
    assert any(model in t for t in texts(at.text))  # the dialog names the model (as plain text), not only the address
    confirm(at)
    assert wallet.client.ledger().provider(chat).balance_wei == 2 * ONE_OG
    assert len(at.toast) == 1 and "confirmed" in at.toast[0].value
    assert not _banners(at) and at.session_state["disc_fund_popover"] is False
    at.run()
    assert not _banners(at) and not at.toast


def test_funding_from_chat_leaves_a_toast_not_a_banner(open_app, app_env, wallet):
    chat = provider(app_env, "chat-tee")
    wallet.fund(ledger="10")
    at = open_app("chat", wallet)
    at.selectbox(key="chat_provider").set_value(chat).run()
    at.text_input(key="chat_fund_amount").set_value("2")
    at.button(key="chat_fund_btn").click().run()
    confirm(at)
    assert wallet.client.ledger().provider(chat).balance_wei == 2 * ONE_OG
    assert len(at.toast) == 1 and "confirmed" in at.toast[0].value
    assert not _banners(at) and "tx_last" not in at.session_state
    at.switch_page("app_pages/wallet.py").run()
    assert not _banners(at)


def test_a_wallet_success_box_stays_on_the_wallet_page_only(open_app, wallet):
    at = open_app("wallet", wallet)
    at.text_input(key="wallet_deposit_amount").set_value("5")
    at.button(key="wallet_deposit_btn").click().run()
    confirm(at)
    assert len(_banners(at)) == 1  # on the Wallet page the hash stays until dismissed
    at.run()
    assert len(_banners(at)) == 1
    at.switch_page("app_pages/chat.py").run()
    assert not _banners(at)
    at.switch_page("app_pages/wallet.py").run()
    assert not _banners(at)  # gone once the user left: the History tab keeps the hash
