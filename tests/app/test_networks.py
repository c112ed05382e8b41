"""Network switch and failure modes, without the internet: an unreachable RPC and a wrong chain."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app.conftest import texts

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def test_unreachable_testnet_rpc_explains_and_does_not_crash(monkeypatch, tmp_path):
    monkeypatch.setenv("OG_NETWORK", "testnet")
    monkeypatch.setenv("OG_RPC_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("PRIVATE_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.sidebar.selectbox(key="ui_network").value == "testnet"
    assert any("does not answer" in t for t in texts(at.sidebar.error))
    assert any("does not answer" in t for t in texts(at.error))  # the page says it too, with a next step
    assert any("Pick another network" in t for t in texts(at.caption))
    assert any("Private key" in w.label for w in at.sidebar.text_input)  # read-only: a key can be typed


def test_mainnet_warns_and_refuses_a_wrong_chain(app_env, monkeypatch):
    monkeypatch.setenv("OG_NETWORK", "mainnet")  # OG_RPC_URL points at the local chain (31337)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("real OG" in t for t in texts(at.sidebar.warning))
    assert any("chain 31337" in t and "16661" in t for t in texts(at.sidebar.error))


def test_wallet_switch_rebuilds_the_session_client(app_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.sidebar.selectbox(key="ui_network").value == "local"
    first = at.session_state["ui_client"][1].address
    options = at.sidebar.selectbox(key="ui_demo_address").options
    at.sidebar.selectbox(key="ui_demo_address").set_value(app_env.info["demo_accounts"][1]["address"]).run()
    assert not at.exception
    second = at.session_state["ui_client"][1].address
    assert second != first and len(options) == 12  # 10 demo wallets, "another key", "no wallet"
