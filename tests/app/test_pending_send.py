"""The Wallet page when the reply to a send is lost (the app's RPC goes through a fault-injecting
proxy): the transaction reads as pending — box, status and notice — never as failed, the buttons
stay disabled until the chain shows it mined, and then the ledger moved once."""

from __future__ import annotations

from tests.support.app import TX_BUTTONS, confirm, paused, texts
from tests.support.devnet import automine_off, rpc
from tests.support.rpc_proxy import RpcProxy

ONE_OG = 10**18


def test_a_lost_send_reply_reads_as_pending_not_failed(open_app, app_env, wallet, monkeypatch):
    wallet.fund(ledger="5")
    with RpcProxy(app_env.rpc_url) as proxy:
        monkeypatch.setenv("OG_RPC_URL", proxy.url)
        at = open_app("wallet", wallet)
        with automine_off(app_env):
            at.text_input(key="wallet_deposit_amount").set_value("2")
            at.button(key="wallet_deposit_btn").click().run()
            proxy.fail("eth_sendRawTransaction", "drop")
            confirm(at)
            assert proxy.count("eth_sendRawTransaction") == 1
            assert not at.toast  # one notification: the box, which says pending, never failed
            boxes = texts(at.error) + texts(at.warning)
            assert any("is pending" in t for t in boxes) and not any("did not go through" in t for t in boxes)
            at.run()
            assert all(at.button(key=k).disabled for k in TX_BUTTONS)
            assert paused(at)
            rpc(app_env, "evm_mine")
        at.run()
        assert not paused(at) and not at.button(key="wallet_deposit_btn").disabled
        assert wallet.client.ledger().available_wei == 7 * ONE_OG
