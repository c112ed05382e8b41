"""What a wallet holds, as read from the chain: the ledger, provider sub-accounts, pending refunds,
and whether one provider can serve it now. Amounts in wei, in OG through `*_og` properties.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from og_core.amounts import OgAmount


@dataclass(frozen=True)
class PendingRefund:
    """A refund queued from a provider sub-account; collectable once `unlocks_at` has passed."""

    index: int
    amount_wei: int
    created_at: int  # unix seconds (chain time)
    unlocks_at: int  # created_at + lockTime
    processed: bool

    amount_og = OgAmount("amount_wei")


@dataclass(frozen=True)
class ProviderAccount:
    """The user's sub-account with one provider."""

    provider: str
    balance_wei: int  # everything in the sub-account, pending refunds included
    pending_refund_wei: int
    acknowledged: bool
    generation: int  # Account index 9 (token generation)
    revoked_bitmap: int  # Account index 10
    refunds: tuple[PendingRefund, ...] = ()

    @property
    def usable_wei(self) -> int:
        """What the provider counts as locked for you: balance − pending refunds."""
        return self.balance_wei - self.pending_refund_wei

    balance_og = OgAmount("balance_wei")

    pending_refund_og = OgAmount("pending_refund_wei")

    usable_og = OgAmount("usable_wei")


@dataclass(frozen=True)
class LedgerView:
    """Everything the Wallet page shows, read in one go."""

    address: str
    wallet_balance_wei: int  # native OG in the wallet, outside the ledger
    exists: bool  # False: no ledger yet (create one with ≥ the minimum)
    available_wei: int
    total_wei: int
    providers: tuple[ProviderAccount, ...]
    lock_time_s: int  # refund lock time of the inference contract
    min_ledger_wei: int  # minimum ledger balance (3 OG on the official contracts)
    min_first_transfer_wei: int  # minimum first transfer to a new provider (1 OG)
    read_at: float = field(default_factory=time.time)

    @property
    def locked_wei(self) -> int:
        """In provider sub-accounts: total − available."""
        return self.total_wei - self.available_wei

    @property
    def pending_refund_wei(self) -> int:
        """Part of the locked OG already asked back from providers (waiting out the lock time)."""
        return sum(p.pending_refund_wei for p in self.providers)

    def refund_unlocks(self) -> list[int]:
        """Unlock times (unix s, chain time) of every refund still waiting, soonest first."""
        return sorted(r.unlocks_at for p in self.providers for r in p.refunds if not r.processed)

    wallet_balance_og = OgAmount("wallet_balance_wei")

    available_og = OgAmount("available_wei")

    total_og = OgAmount("total_wei")

    locked_og = OgAmount("locked_wei")

    pending_refund_og = OgAmount("pending_refund_wei")

    def provider(self, address: str) -> ProviderAccount | None:
        for p in self.providers:
            if p.provider.lower() == address.lower():
                return p
        return None


@dataclass(frozen=True)
class ProviderReadiness:
    """Can this wallet be served by one provider right now? (`OgClient.provider_readiness`)

    A provider serves a request only when the sub-account exists, the user acknowledged the provider,
    and the usable balance covers the request fee + unsettled fees + its reserve (1 OG on 0G's
    brokers). `ready` says the first three hold with something left for fees; `reason` says it in a
    sentence; `suggested_top_up_wei` is a transfer that would leave room for requests (0 when ready).
    """

    provider: str
    ledger_exists: bool
    ledger_available_wei: int
    account_exists: bool
    acknowledged: bool
    usable_wei: int  # balance − pending refunds
    unsettled_fee_wei: int | None  # None: the provider could not be asked (best effort)
    reserve_wei: int
    ready: bool
    reason: str
    suggested_top_up_wei: int

    @property
    def spare_wei(self) -> int:
        """Usable balance left for request fees after the reserve and the known unsettled fees."""
        return max(0, self.usable_wei - self.reserve_wei - (self.unsettled_fee_wei or 0))

    ledger_available_og = OgAmount("ledger_available_wei")

    usable_og = OgAmount("usable_wei")

    reserve_og = OgAmount("reserve_wei")

    spare_og = OgAmount("spare_wei")

    suggested_top_up_og = OgAmount("suggested_top_up_wei")
