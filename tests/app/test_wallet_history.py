"""The Wallet page's History tab against the in-memory client (fast tier): read from the chain, with this
app's notes merged in from the local store, so a deposit (no event on 0G's ledger) still shows in a new
browser session, with what it was for; another wallet sees none of the notes."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from og_core import SecretStr
from tests.support.app import check, confirm, open_with, texts


def _open(**state: object) -> AppTest:
    return open_with("wallet", **state)


def _deposit(at: AppTest, amount: str) -> None:
    """Deposit through the Wallet page's dialog (the app sends it and writes its note)."""
    at.text_input(key="wallet_deposit_amount").set_value(amount)
    at.button(key="wallet_deposit_btn").click()
    check(at.run())
    confirm(at)
    check(at.run())


def _history(at: AppTest) -> list[dict]:
    frame = next(d.value for d in at.dataframe if "source" in d.value.columns)
    return frame.to_dict("records")


def test_a_deposit_is_in_the_history_of_a_new_session_with_its_note(fake_net):
    _deposit(_open(), "5")
    fake_net.history.clear()  # a server restart: the process's memory is gone, the chain and the notes are not

    again = _open()
    rows = _history(again)
    assert [(r["what"], r["amount"], r["source"], r["status"]) for r in rows] == [
        ("Create your ledger with 5 OG", "5 OG", "chain + this app's note", "confirmed")]
    assert any("emits no event" in t and "starts fresh each run" in t for t in texts(again.caption))


def test_another_wallet_sees_no_notes(fake_net):
    _deposit(_open(), "5")
    other = _open(ui_demo_address="tab", ui_tab_key_local=SecretStr("0x" + "5" * 64))
    assert not any("source" in d.value.columns for d in other.dataframe)
    assert any("No ledger transaction of this wallet" in t for t in texts(other.info))
