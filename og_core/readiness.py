""""Can this provider serve me?" — one provider's sub-account judged against the broker's admission
rule (docs/protocol.md, admission): the account exists, the user acknowledged the provider, and the usable
balance covers the request fee + unsettled fees + the provider's reserve.

`assess` is a pure function of what was read, so the wording and the suggested amount are testable
without a network; `OgClient.provider_readiness` does the reading.
"""

from __future__ import annotations

from og_core.accounts import ProviderAccount, ProviderReadiness
from og_core.amounts import format_og
from og_core.protocol import MIN_LEDGER_WEI, OG, PROVIDER_RESERVE_WEI, RECOMMENDED_FIRST_TRANSFER_WEI

HEADROOM_WEI = 1 * OG  # what a suggested top-up leaves for request fees above reserve + unsettled fees


def _round_up_og(wei: int) -> int:
    """Whole OG, so the suggested amount reads well in an input box."""
    return -(-wei // OG) * OG


def assess(provider: str, ledger: tuple[int, int] | None, account: ProviderAccount | None,
           unsettled_wei: int | None, *, reserve_wei: int = PROVIDER_RESERVE_WEI) -> ProviderReadiness:
    """Judge one provider from the ledger tuple (available, total) or None, the sub-account or None,
    and the provider's unsettled fee for this wallet (None when it could not be asked)."""
    available = ledger[0] if ledger is not None else 0
    usable = account.usable_wei if account is not None else 0
    unsettled = unsettled_wei or 0

    def result(ready: bool, reason: str, top_up: int) -> ProviderReadiness:
        return ProviderReadiness(
            provider=provider, ledger_exists=ledger is not None, ledger_available_wei=available,
            account_exists=account is not None, acknowledged=bool(account and account.acknowledged),
            usable_wei=usable, unsettled_fee_wei=unsettled_wei, reserve_wei=reserve_wei, ready=ready,
            reason=reason, suggested_top_up_wei=top_up)

    if ledger is None:
        return result(False, "You have no ledger yet, so no provider can be paid: create one (at least "
                             f"{format_og(MIN_LEDGER_WEI)}), then fund this provider.", RECOMMENDED_FIRST_TRANSFER_WEI)
    if account is None:
        return result(False, f"This provider is not funded yet: a first transfer (at least {format_og(OG)}) "
                             "opens your sub-account with it and acknowledges it.", RECOMMENDED_FIRST_TRANSFER_WEI)
    if not account.acknowledged:
        return result(False, "You have not acknowledged this provider, so it refuses your requests.", 0)
    floor = reserve_wei + unsettled
    if usable <= floor:
        fees = f" plus {format_og(unsettled, 8)} of fees it has not settled yet" if unsettled else ""
        state = "is not funded yet" if usable == 0 else f"holds only {format_og(usable)} of yours"
        return result(False, f"This provider {state}; it keeps {format_og(reserve_wei)} in reserve{fees}, so "
                             "nothing is left to pay for requests.",
                      _round_up_og(floor + HEADROOM_WEI - usable))
    unknown = " (the provider did not report its unsettled fees)" if unsettled_wei is None else ""
    return result(True, f"Ready: {format_og(usable - floor)} left for requests above the "
                        f"{format_og(reserve_wei)} reserve and unsettled fees{unknown}.", 0)
