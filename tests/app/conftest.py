"""AppTest helpers: the real app (app.py) against the session's real local network (`devnet`).

Each test gets a fresh funded wallet, entered through the sidebar's "Another key" option, so tests
never share ledger state with each other or with the demo wallets the browser tests use.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from og_core import OgClient, SecretStr
from tests.conftest import new_funded_account

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 90  # seconds per run: the default 3 s is far too short for a real network


@pytest.fixture
def app_env(devnet, monkeypatch, tmp_path):
    monkeypatch.setenv("OG_RPC_URL", devnet.rpc_url)
    monkeypatch.setenv("OG_NETWORK", "local")
    monkeypatch.delenv("PRIVATE_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return devnet


class Wallet:
    """A fresh funded account plus an og_core client for test setup and assertions."""

    def __init__(self, devnet) -> None:
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


@pytest.fixture
def wallet(app_env) -> Wallet:
    return Wallet(app_env)


@pytest.fixture
def open_app(app_env) -> Callable[..., AppTest]:
    def _open(page: str | None = None, wallet: Wallet | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        if wallet is not None:
            at.session_state["ui_demo_address"] = "tab"
            at.session_state["ui_tab_key_local"] = SecretStr(wallet.key)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        if page:
            at.switch_page(f"app_pages/{page}.py")
            at.run()
            assert not at.exception, [e.value for e in at.exception]
        return at
    return _open


def provider(devnet, name: str) -> str:
    return devnet.provider(name)["address"]


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def confirm(at: AppTest) -> None:
    """Press Confirm in the transaction dialog and let the send finish."""
    at.button(key="tx_confirm_btn").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
