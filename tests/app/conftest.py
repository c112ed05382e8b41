"""AppTest fixtures: the real app (app.py) against the session's real local network (`devnet`), or
against an in-memory fake client (`fake_net`, the fast tier). Helpers: tests/support/app.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

import og_ui.session
from tests.support.app import Wallet, run_app
from tests.support.fake_client import FakeNetwork, fake_client_class


def _app_on(network, monkeypatch, tmp_path):
    monkeypatch.setenv("OG_RPC_URL", network.rpc_url)
    monkeypatch.setenv("OG_NETWORK", "local")
    monkeypatch.delenv("PRIVATE_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return network


@pytest.fixture
def app_env(devnet, monkeypatch, tmp_path):
    return _app_on(devnet, monkeypatch, tmp_path)


@pytest.fixture
def llm_app_env(llm_devnet, monkeypatch, tmp_path):
    """The app on the network that also serves the local language model (skipped without it, outside CI)."""
    return _app_on(llm_devnet, monkeypatch, tmp_path)


@pytest.fixture
def wallet(app_env) -> Wallet:
    return Wallet(app_env)


@pytest.fixture
def open_app(app_env) -> Callable[..., AppTest]:
    def _open(page: str | None = None, wallet: Wallet | None = None) -> AppTest:
        return run_app(page, wallet.key if wallet is not None else None)
    return _open


@pytest.fixture
def fake_net(monkeypatch, tmp_path) -> FakeNetwork:
    """The app with og_ui/session.py building a FakeClient over this FakeNetwork: no chain, no network
    (OG_RPC_URL points at a closed port, so the app starts no local network either)."""
    net = FakeNetwork()
    monkeypatch.setattr(og_ui.session, "OgClient", fake_client_class(net))
    monkeypatch.setenv("OG_NETWORK", "local")
    monkeypatch.setenv("OG_RPC_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("PRIVATE_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return net
