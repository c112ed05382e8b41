"""AppTest helpers: the real app (app.py) in Streamlit's AppTest.

A test's wallet is entered through the sidebar's "Another key" option, so tests never share ledger
state with each other or with the demo wallets the browser tests use.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from og_core import OgClient, SecretStr
from og_devnet.launch import DevnetHandle
from tests.support.devnet import new_funded_account

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 90  # seconds per run: the default 3 s is far too short for a real network


class Wallet:
    """A fresh funded account plus an og_core client for test setup and assertions."""

    def __init__(self, devnet: DevnetHandle) -> None:
        self.account = new_funded_account(devnet, og=1000)
        self.key = "0x" + self.account.key.hex().removeprefix("0x")
        self.address = self.account.address
        self.client = OgClient("local", private_key=self.key)

    def nonce(self) -> int:
        return self.client.web3.eth.get_transaction_count(self.address)

    def fund(self, *providers: str, ledger: str = "20", each: str = "3") -> None:
        self.client.execute(self.client.plan_deposit(ledger))
        for p in providers:
            self.client.execute(self.client.plan_fund_provider(p, each))


def check(at: AppTest) -> AppTest:
    """`at` after a run that raised nothing on the page."""
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_fast(page: str | None = None, *, timeout: float = 30, **state: Any) -> AppTest:
    """The fast tier's app (against a fake client) on `page`, with these session_state values set
    before its first run."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for k, v in state.items():
        at.session_state[k] = v
    check(at.run())
    if page:
        at.switch_page(f"app_pages/{page}.py")
        check(at.run())
    return at


def run_app(page: str | None = None, key: str | None = None, *, timeout: float = TIMEOUT) -> AppTest:
    """Run app.py, optionally with the private key `key` entered for this tab, then switch to
    app_pages/`page`.py."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if key is not None:
        at.session_state["ui_demo_address"] = "tab"
        at.session_state["ui_tab_key_local"] = SecretStr(key)
    check(at.run())
    if page:
        at.switch_page(f"app_pages/{page}.py")
        check(at.run())
    return at


def open_with(page: str, *, query: dict[str, str] | None = None, timeout: float = 30, **state: Any) -> AppTest:
    """A new browser session (as after a reload): app.py with the URL's `query` and these session_state
    values set before its first run, then on app_pages/`page`.py."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    for k, v in state.items():
        at.session_state[k] = v
    check(at.run())
    at.switch_page(f"app_pages/{page}.py")
    return check(at.run())


def provider(devnet: DevnetHandle, name: str) -> str:
    return devnet.provider(name)["address"]


def texts(elements: Iterable[Any]) -> list[str]:
    return [str(e.value) for e in elements]


# The Wallet page's transaction buttons (disabled while a transaction of the wallet is under way).
TX_BUTTONS = ["wallet_deposit_btn", "wallet_withdraw_btn", "wallet_fund_btn", "wallet_topup_btn"]


def paused(at: AppTest) -> list[str]:
    """The frame's "Transactions are paused" notices on this run."""
    return [t for t in texts(at.warning) if "Transactions are paused" in t]


def confirm(at: AppTest) -> None:
    """Press Confirm in the transaction dialog and let the send finish."""
    at.button(key="tx_confirm_btn").click()
    check(at.run())
