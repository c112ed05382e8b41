"""Network switch and failure modes, without the internet: an unreachable RPC and a wrong chain."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.support.app import texts

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def test_unreachable_testnet_rpc_explains_and_does_not_crash(monkeypatch, tmp_path):
    monkeypatch.setenv("OG_NETWORK", "testnet")
    monkeypatch.setenv("OG_RPC_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("PRIVATE_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.sidebar.selectbox(key="ui_network").value == "testnet"
    # The page says why and what to do; the sidebar only the state (not the same error twice).
    assert any("does not answer" in t for t in texts(at.main.error))
    assert not any("does not answer" in t for t in texts(at.sidebar.error))
    assert any("Not connected to Testnet" in t for t in texts(at.sidebar.error))
    assert any("Pick another network" in t for t in texts(at.caption))
    retry = at.button(key="ui_retry_page")
    retry.click().run()  # still down: same message, no traceback
    assert not at.exception
    assert any("does not answer" in t for t in texts(at.main.error))
    assert any("Private key" in w.label for w in at.sidebar.text_input)  # read-only: a key can be typed


def test_mainnet_warns_and_refuses_a_wrong_chain(app_env, monkeypatch):
    monkeypatch.setenv("OG_NETWORK", "mainnet")  # OG_RPC_URL points at the local chain (31337)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("real OG" in t for t in texts(at.sidebar.warning))
    assert any("chain 31337" in t and "16661" in t for t in texts(at.main.error))
    assert any("Not connected to Mainnet" in t for t in texts(at.sidebar.error))


def test_wallet_switch_rebuilds_the_session_client(app_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.sidebar.selectbox(key="ui_network").value == "local"
    first = at.session_state["ui_client"][1].address
    options = at.sidebar.selectbox(key="ui_demo_address").options
    at.sidebar.selectbox(key="ui_demo_address").set_value(app_env.info["demo_accounts"][1]["address"]).run()
    assert not at.exception
    second = at.session_state["ui_client"][1].address
    assert second != first and len(options) == 12  # 10 demo wallets, "another key", "no wallet"


def test_a_reload_keeps_the_wallet_choice_but_never_the_key(app_env):
    """The wallet choice lives in the URL (?wallet=tab); a pasted key does not. A reload (a new
    session on the same URL) keeps "Another key" and asks for the key again, instead of quietly
    switching to Demo #1."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.query_params.get("network") == "local"
    at.sidebar.selectbox(key="ui_demo_address").set_value("tab").run()
    key = "0x" + "11" * 32
    at.sidebar.text_input(key="ui_key_input").input(key).run()
    assert not at.exception and not at.session_state["ui_client"][1].read_only
    params = dict(at.query_params)
    assert params == {"network": "local", "wallet": "tab"}  # the choice, never the key

    reloaded = AppTest.from_file(APP, default_timeout=60)
    reloaded.query_params.update(params)
    reloaded.run()
    assert not reloaded.exception
    assert reloaded.sidebar.selectbox(key="ui_demo_address").value == "tab"
    assert reloaded.session_state["ui_client"][1].read_only  # no key yet: read-only, not Demo #1
    assert any("paste it again" in t for t in texts(reloaded.sidebar.caption))
    assert any("Private key" in w.label for w in reloaded.sidebar.text_input)

    shared = AppTest.from_file(APP, default_timeout=60)  # a link naming a demo wallet opens that wallet
    second = app_env.info["demo_accounts"][1]["address"]
    shared.query_params.update({"network": "local", "wallet": second})
    shared.run()
    assert shared.session_state["ui_client"][1].address == second
    bogus = AppTest.from_file(APP, default_timeout=60)  # nonsense in the URL is ignored, not an error
    bogus.query_params.update({"network": "moon", "wallet": "0xnope"})
    bogus.run()
    assert not bogus.exception and bogus.sidebar.selectbox(key="ui_network").value == "local"


def test_sidebar_balances_round_down(open_app, wallet):
    """980 OG minus gas must not show as "980 OG": balances are cut, never rounded up."""
    wallet.fund()  # deposit 20 of 1000: the wallet holds 980 OG minus the gas, a hair under 980
    at = open_app(wallet=wallet)
    shown = next(m.value for m in at.sidebar.metric if m.label == "Wallet balance")
    assert shown.startswith("979.999") and shown.endswith(" OG")  # rounding would give "980 OG"
    assert any("Ledger available: **20 OG**" in t for t in texts(at.sidebar.markdown))


def test_a_crashed_local_network_is_named_with_the_way_out(app_env, monkeypatch, tmp_path):
    """If the network the app started dies (killed, crashed), pages say exactly that and how to get a
    new one, instead of a generic "the RPC does not answer"."""
    import subprocess
    import sys
    from types import SimpleNamespace

    from og_core import networks

    dead = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    dead.wait()
    monkeypatch.setattr(networks, "_local_handle", SimpleNamespace(process=dead, info=app_env.info,
                                                                   log_path=tmp_path / "devnet.log"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("local network has stopped" in t and "code 3" in t for t in texts(at.main.error))
    assert any("Restart the app" in t for t in texts(at.main.error))
    assert any("Not connected to Local" in t for t in texts(at.sidebar.error))
