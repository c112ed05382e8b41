"""Page logic against an in-memory client (tests/support/fake_client.py): the fast tier's AppTests.
The real app.py runs; only og_ui/session.py's OgClient is the fake, so no chain and no provider."""

from __future__ import annotations

import pytest

from og_core import ProviderError, ProviderErrorKind
from og_ui.inert import inert
from tests.support.app import check, confirm, open_fast, texts
from tests.support.fake_client import ONE_OG, FakeNetwork, SubAccount, session_user

TIMEOUT = 30


_open = open_fast
_user = session_user


def _funded(net: FakeNetwork, provider: str, *, ledger: int = 10, each: int = 3) -> None:
    """Give the session's wallet a ledger and a funded sub-account with `provider`."""
    user = _user(net)
    net.ledgers[user] = ledger * ONE_OG
    net.accounts[(user, provider)] = SubAccount(balance_wei=each * ONE_OG)


def test_discover_lists_every_service_and_shows_the_details(fake_net):
    at = _open()
    frame = at.dataframe(key="disc_table").value
    assert sorted(frame["model"]) == sorted(s.model for s in fake_net.services)
    assert set(frame["per"]) == {"1M tokens", "image"}
    assert any("5 of 5 services" in t for t in texts(at.caption))
    chosen = fake_net.of_type("text-to-image")
    at.session_state["disc_selected"] = chosen.provider  # what a click on its row keeps
    check(at.run())
    assert [h.value for h in at.subheader] == [inert(chosen.model)]  # the provider's words, shown inert
    assert chosen.provider in [c.value for c in at.code]
    assert any(inert(chosen.url) in t for t in texts(at.markdown))
    assert at.button(key="disc_use").label == "Use in text-to-image"


def test_wallet_deposit_goes_through_the_dialog_once(fake_net):
    at = _open("wallet")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Wallet"] == "1,000 OG" and shown["Ledger total"] == "0 OG"
    at.text_input(key="wallet_deposit_amount").set_value("5")
    at.button(key="wallet_deposit_btn").click()
    check(at.run())
    assert any("Create your ledger with 5 OG" in t for t in texts(at.markdown))  # the dialog, nothing sent
    assert fake_net.executed == []
    confirm(at)
    assert [p.title for p in fake_net.executed] == ["Create your ledger with 5 OG"]
    assert {m.label: m.value for m in at.metric}["Ledger total"] == "5 OG"
    assert any("Transaction hash" in t for t in texts(at.success))
    check(at.run())  # a rerun (or a second click on the gone Confirm) sends nothing more
    with pytest.raises(KeyError):
        at.button(key="tx_confirm_btn")
    assert len(fake_net.executed) == 1


def test_a_bad_amount_is_refused_in_words_and_opens_no_dialog(fake_net):
    at = _open("wallet")
    at.text_input(key="wallet_deposit_amount").set_value("1")  # below the 3 OG a new ledger needs
    at.button(key="wallet_deposit_btn").click()
    check(at.run())
    assert any("at least 3 OG" in t for t in texts(at.error))
    with pytest.raises(KeyError):
        at.button(key="tx_confirm_btn")
    assert fake_net.executed == []


def test_chat_answers_with_cost_and_verification(fake_net):
    tee = fake_net.of_type("chatbot")
    at = _open("chat")
    _funded(fake_net, tee.provider)
    check(at.run())
    assert not at.chat_input(key="chat_input").disabled
    at.chat_input(key="chat_input").set_value("Hi there")
    check(at.run())
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert at.chat_message[1].text[0].value == fake_net.reply  # plain text: an answer's markdown never renders
    meta = " ".join(texts(at.chat_message[1].caption))
    assert "prompt tokens" in meta and "cost 0.0000" in meta and " OG" in meta
    badges = [t for t in texts(at.chat_message[1].markdown) if ":material/verified:" in t]
    assert len(badges) == 1 and "verified" in badges[0]  # st.badge is markdown to AppTest
    assert any(f"Signed by the TEE signer {tee.tee_signer}" in t for t in texts(at.chat_message[1].caption))
    account = fake_net.accounts[(_user(fake_net), tee.provider)]
    assert account.balance_wei < 3 * ONE_OG  # billed


def test_a_provider_error_is_said_in_words(fake_net):
    tee = fake_net.of_type("chatbot")
    fake_net.provider_errors[tee.provider] = ProviderError(
        "The provider is busy with other requests.", "Try again in a minute, or pick another provider.",
        status=503, kind=ProviderErrorKind.BUSY)
    at = _open("chat")
    _funded(fake_net, tee.provider)
    check(at.run())
    at.chat_input(key="chat_input").set_value("Hi there")
    check(at.run())
    errors = texts(at.error)
    assert any("The provider is busy" in t and "Try again in a minute" in t for t in errors)
    assert at.session_state["chat_messages"] == []  # nothing was answered: the history stays as it was
    check(at.run())
    assert not at.chat_message and not at.exception


def test_an_unfunded_provider_is_offered_funding_not_a_chat_box(fake_net):
    at = _open("chat")
    assert any("no ledger yet" in t for t in texts(at.warning))
    assert at.chat_input(key="chat_input").disabled
    assert "Fund the provider" in at.chat_input(key="chat_input").placeholder


def test_read_only_pages_say_what_is_missing(fake_net):
    at = _open("wallet", ui_demo_address="none")
    assert any("This needs a wallet" in t for t in texts(at.info))
    assert not at.metric
    at.switch_page("app_pages/chat.py")
    check(at.run())
    box = at.chat_input(key="chat_input")
    assert box.disabled and "wallet in the sidebar" in box.placeholder
    assert all(c.address is None for c in fake_net.clients)  # no key reached any client
    assert fake_net.executed == []
