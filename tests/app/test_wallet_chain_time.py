"""The Wallet page counts refund locks down on chain time on every network, also where there are no
local dev tools (testnet, mainnet): the lock runs on the chain's clock, not the server's."""

from __future__ import annotations

from og_core import OgClient
from tests.support.app import provider, texts
from tests.support.devnet import rpc


def test_refund_unlock_follows_chain_time_without_local_tools(open_app, app_env, wallet, monkeypatch):
    chat = provider(app_env, "chat-lite")
    wallet.fund(chat, ledger="10", each="2")
    wallet.client.execute(wallet.client.plan_retrieve([chat]))
    rpc(app_env, "evm_increaseTime", [25 * 3600])  # past the 24 h lock, on the chain's clock only
    rpc(app_env, "evm_mine")
    monkeypatch.setattr(OgClient, "local", property(lambda self: None))  # as on a public network
    at = open_app("wallet", wallet)
    assert "Local dev tools" not in [t.label for t in at.tabs]
    assert "1 of 1 unlocked" in texts(at.caption)
    assert not at.button(key="wallet_collect_btn").disabled
    assert any("unlocked" in str(v) for v in at.dataframe[0].value["pending refunds"])
