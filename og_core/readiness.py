""""Can this provider serve me?" — one provider's sub-account judged against the broker's admission
rule (docs/protocol.md, admission): the account exists, the user acknowledged the provider, and the usable
balance covers the request fee + unsettled fees + the provider's reserve.

`assess` is a pure function of what was read, so the wording and the suggested amount are testable
without a network; `OgClient.provider_readiness` does the reading.
"""

from __future__ import annotations

from og_core.accounts import LedgerView, ProviderAccount, ProviderReadiness
from og_core.amounts import format_balance, format_og
from og_core.protocol import MIN_LEDGER_WEI, OG, PROVIDER_RESERVE_WEI, RECOMMENDED_FIRST_TRANSFER_WEI

HEADROOM_WEI = 1 * OG  # what a suggested top-up leaves usable for request fees


def usable_wei(balance_wei: int, *, pending_refund_wei: int, unsettled_wei: int | None,
               reserve_wei: int = PROVIDER_RESERVE_WEI) -> int:
    """The one rule for what pays for requests, shown the same on every page: balance − pending refunds −
    the provider's reserve − the fees it has not settled yet (None: it did not say; counted as 0), never
    below 0."""
    return max(0, balance_wei - pending_refund_wei - reserve_wei - (unsettled_wei or 0))


def usable_at_providers(view: LedgerView) -> int:
    """What pays for requests at all of a wallet's providers together (each one's reserve taken off;
    unsettled fees are asked per provider when it is used, so not here)."""
    return sum(usable_wei(p.balance_wei, pending_refund_wei=p.pending_refund_wei, unsettled_wei=None)
               for p in view.providers)


def top_up_to_usable(held_wei: int, unsettled_wei: int | None, *, reserve_wei: int = PROVIDER_RESERVE_WEI) -> int:
    """A transfer in whole OG (it reads well in an input box) that leaves HEADROOM_WEI usable."""
    need = reserve_wei + (unsettled_wei or 0) + HEADROOM_WEI - held_wei
    return max(0, -(-need // OG) * OG)


def assess(provider: str, ledger: tuple[int, int] | None, account: ProviderAccount | None,
           unsettled_wei: int | None, *, reserve_wei: int = PROVIDER_RESERVE_WEI) -> ProviderReadiness:
    """Judge one provider from the ledger tuple (available, total) or None, the sub-account or None,
    and the provider's unsettled fee for this wallet (None when it could not be asked)."""
    available = ledger[0] if ledger is not None else 0
    held = account.held_wei if account is not None else 0
    usable = usable_wei(held, pending_refund_wei=0, unsettled_wei=unsettled_wei, reserve_wei=reserve_wei)
    unsettled = unsettled_wei or 0

    def result(ready: bool, reason: str, top_up: int) -> ProviderReadiness:
        return ProviderReadiness(
            provider=provider, ledger_exists=ledger is not None, ledger_available_wei=available,
            account_exists=account is not None, acknowledged=bool(account and account.acknowledged),
            held_wei=held, unsettled_fee_wei=unsettled_wei, reserve_wei=reserve_wei, ready=ready,
            reason=reason, suggested_top_up_wei=top_up, usable_wei=usable)

    if ledger is None:
        return result(False, "You have no ledger yet, so no provider can be paid: create one (at least "
                             f"{format_og(MIN_LEDGER_WEI)}), then fund this provider.", RECOMMENDED_FIRST_TRANSFER_WEI)
    if account is None:
        return result(False, f"This provider is not funded yet. It keeps {format_og(reserve_wei)} of your "
                             f"sub-account in reserve, so a first transfer of {format_og(RECOMMENDED_FIRST_TRANSFER_WEI)} "
                             f"leaves {format_og(RECOMMENDED_FIRST_TRANSFER_WEI - reserve_wei)} usable for requests.",
                      RECOMMENDED_FIRST_TRANSFER_WEI)
    if not account.acknowledged:
        return result(False, "You have not acknowledged this provider, so it refuses your requests.", 0)
    if usable == 0:
        fees = f" and {format_og(unsettled, 8)} of fees it has not settled yet" if unsettled else ""
        held_words = ("Your sub-account with this provider is empty" if held <= 0 else
                      f"This provider holds {format_balance(held)} of yours")
        return result(False, f"{held_words}; it keeps {format_og(reserve_wei)} in reserve{fees}, so nothing is "
                             "left for requests.", top_up_to_usable(held, unsettled_wei, reserve_wei=reserve_wei))
    unknown = " (the provider did not report its unsettled fees)" if unsettled_wei is None else ""
    return result(True, f"Ready: {format_balance(usable)} usable for requests (above the "
                        f"{format_og(reserve_wei)} reserve and unsettled fees{unknown}).", 0)
