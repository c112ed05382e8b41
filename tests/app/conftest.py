"""AppTest fixtures: the real app (app.py) against the session's real local network (`devnet`).
Helpers: tests/support/app.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.app import Wallet, run_app


@pytest.fixture
def app_env(devnet, monkeypatch, tmp_path):
    monkeypatch.setenv("OG_RPC_URL", devnet.rpc_url)
    monkeypatch.setenv("OG_NETWORK", "local")
    monkeypatch.delenv("PRIVATE_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return devnet


@pytest.fixture
def wallet(app_env) -> Wallet:
    return Wallet(app_env)


@pytest.fixture
def open_app(app_env) -> Callable[..., AppTest]:
    def _open(page: str | None = None, wallet: Wallet | None = None) -> AppTest:
        return run_app(page, wallet.key if wallet is not None else None)
    return _open
