"""og_core/chain_history.py against the real local network, on our contracts and on 0G's official
bytecode: the history read from the chain's events (funding a provider, asking a refund back), the
app's noted deposits and withdrawals confirmed by their receipts, the same from a second client (as
another app process would see it), and a log read in small block steps that loses nothing."""

from __future__ import annotations

from og_core import ChainHistory, ReadOnlyError
from og_core.chain_history import history
from tests.support.devnet import client_for, new_funded_account

ONE_OG = 10**18


def _by_call(h: ChainHistory) -> dict[str, list]:
    out: dict[str, list] = {}
    for item in h.items:
        out.setdefault(item.call, []).append(item)
    return out


def test_the_history_comes_from_the_chain_and_the_notes(any_devnet):
    account = new_funded_account(any_devnet, og=100)
    client = client_for(any_devnet, account)
    provider = any_devnet.provider("chat-lite")["address"]
    created = client.execute(client.plan_deposit("10"))
    funded = client.execute(client.plan_fund_provider(provider, "2"))
    asked = client.execute(client.plan_retrieve([provider]))
    withdrawn = client.execute(client.plan_withdraw("1"))

    events_only = client.chain_history()
    assert events_only.complete and events_only.to_block >= funded.block_number
    calls = _by_call(events_only)
    assert [i.tx_hash for i in calls["transferFund"]] == [funded.tx_hash.lower()]
    assert calls["transferFund"][0].amount_wei == 2 * ONE_OG and calls["transferFund"][0].providers == (provider,)
    assert calls["retrieveFund"][0].tx_hash == asked.tx_hash.lower() and calls["retrieveFund"][0].refunds_asked == 1
    assert calls["retrieveFund"][0].what == "Request refunds"
    assert "addLedger" not in calls and "refund" not in calls  # the ledger emits no event for these

    other_chain_hash = "0x" + "ab" * 32
    full = client_for(any_devnet, account).chain_history(
        noted=[created.tx_hash, withdrawn.tx_hash, other_chain_hash])  # another process, same chain
    calls = _by_call(full)
    assert calls["addLedger"][0].amount_wei == 10 * ONE_OG and calls["refund"][0].amount_wei == ONE_OG
    assert [i.tx_hash for i in full.items] == [h.lower() for h in (withdrawn.tx_hash, asked.tx_hash,
                                                                   funded.tx_hash, created.tx_hash)]
    assert all(i.time and i.status == "confirmed" for i in full.items)
    assert full.missing == (other_chain_hash,)  # a note of an earlier run's chain: said, not shown

    stepped = history(client.web3, client.addresses, client.address, max_blocks=None, step=2)
    assert [i.tx_hash for i in stepped.items] == [i.tx_hash for i in events_only.items]
    recent = history(client.web3, client.addresses, client.address, max_blocks=1)
    assert not recent.complete and recent.from_block == recent.to_block


def test_a_read_only_client_has_no_history(devnet):
    try:
        client_for(devnet).chain_history()
    except ReadOnlyError as exc:
        assert "wallet" in exc.message
    else:
        raise AssertionError("a read-only client read a history")
