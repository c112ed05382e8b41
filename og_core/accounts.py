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
    def held_wei(self) -> int:
        """What the provider counts as locked for you: balance − pending refunds. Not all of it pays for
        requests: `og_core.readiness.usable_wei` takes the reserve and unsettled fees off."""
        return self.balance_wei - self.pending_refund_wei

    balance_og = OgAmount("balance_wei")

    pending_refund_og = OgAmount("pending_refund_wei")

    held_og = OgAmount("held_wei")


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
    and what it holds for you covers the request fee + unsettled fees + its reserve (1 OG on 0G's
    brokers). `usable_wei` is what is left for request fees (og_core.readiness.usable_wei, the one rule
    every page shows); `ready` says the first three hold with something usable; `reason` says it in a
    sentence; `suggested_top_up_wei` is a transfer that would leave it usable (0 when ready).
    """

    provider: str
    ledger_exists: bool
    ledger_available_wei: int
    account_exists: bool
    acknowledged: bool
    held_wei: int  # balance − pending refunds
    unsettled_fee_wei: int | None  # None: the provider could not be asked (best effort)
    reserve_wei: int
    ready: bool
    reason: str
    suggested_top_up_wei: int
    usable_wei: int = 0  # held − reserve − known unsettled fees, never below 0: what pays for requests

    ledger_available_og = OgAmount("ledger_available_wei")

    held_og = OgAmount("held_wei")

    usable_og = OgAmount("usable_wei")

    reserve_og = OgAmount("reserve_wei")

    suggested_top_up_og = OgAmount("suggested_top_up_wei")
