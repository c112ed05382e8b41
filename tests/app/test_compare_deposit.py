"""Compare on the real local network when the ledger holds less than the providers need (issue 11, What
§4): the missing deposit is offered in place, goes through the one confirmation dialog, and then each
provider is offered a transfer that leaves it usable — no state mixed into another's sentence."""

from __future__ import annotations

from tests.support.app import check, confirm, provider, texts

ONE_OG = 10**18


def test_compare_offers_the_missing_deposit_in_place(open_app, app_env, wallet):
    wallet.client.execute(wallet.client.plan_deposit("3"))  # the ledger's minimum: too little for 2 × 2 OG
    at = open_app("compare", wallet)
    at.multiselect(key="cmp_providers").set_value([provider(app_env, "chat-tee"), provider(app_env, "chat-lite")])
    check(at.run())
    assert "not funded yet; it keeps" not in " ".join(texts(at.warning) + texts(at.info))
    box = at.text_input(key="cmp_deposit_amount")
    assert box.value == "1"  # two new providers × 2 OG − the 3 OG there (not the 3 OG three needed at first)
    at.button(key="cmp_deposit_btn").click()
    check(at.run())
    assert any("Deposit 1 OG into your ledger" in t for t in texts(at.markdown))  # the confirmation dialog
    confirm(at)
    assert wallet.client.ledger().available_wei == 4 * ONE_OG
    check(at.run())
    assert not [w for w in at.text_input if w.key == "cmp_deposit_amount"]  # enough now: the offer is gone
    funds = [w.value for w in at.text_input if (w.key or "").endswith("_fund_amount")]
    assert funds == ["2", "2"]  # each transfer leaves 1 OG usable after the reserve
