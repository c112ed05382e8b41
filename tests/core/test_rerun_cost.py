"""What a page run costs in RPC round trips (counted by a real proxy in front of the local RPC): the
ledger view and a provider's readiness take a constant number, however many providers the wallet uses
— with a slow RPC, one round trip per provider made the Wallet page take over a minute."""

from __future__ import annotations

from og_core import OgClient, Settings
from tests.support.devnet import ONE_OG, client_for, new_funded_account, open_sub_accounts, prov
from tests.support.rpc_proxy import RpcProxy


def test_ledger_view_and_readiness_cost_constant_round_trips(devnet):
    account = new_funded_account(devnet, og=200)
    chat = prov(devnet, "chat-tee")
    with RpcProxy(devnet.rpc_url) as proxy, client_for(devnet, account) as direct, \
            OgClient("local", private_key=account.key.hex(), settings=Settings(), rpc_url=proxy.url,
                     addresses=devnet.info["addresses"]) as wallet:
        assert not wallet.ledger().exists  # also reads the service name and lock time once (cached)
        proxy.reset_counts()
        assert not wallet.ledger().exists
        assert proxy.round_trips() == 1

        direct.execute(direct.plan_deposit("100"))
        direct.execute(direct.plan_fund_provider(chat, "2"))
        open_sub_accounts(devnet, direct, account, 4)
        wallet.provider_readiness(chat)  # warms the service cache
        costs = {}
        for providers in (5, 10):
            proxy.reset_counts()
            view = wallet.ledger()
            costs[providers] = proxy.round_trips()
            assert len(view.providers) == providers
            assert view.provider(chat).balance_wei == 2 * ONE_OG
            assert view.available_wei == (100 - 2 - (providers - 1)) * ONE_OG
            if providers == 5:
                open_sub_accounts(devnet, direct, account, 5)
        assert costs == {5: 2, 10: 2}

        proxy.reset_counts()
        ready = wallet.provider_readiness(chat)
        assert ready.account_exists and ready.held_wei == 2 * ONE_OG
        assert proxy.round_trips() == 1
