"""Transactions as data: their kinds and steps, the plan shown before signing, the result, and the
in-memory history record. Nothing here signs or sends (that is the sender's job).
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from og_core.amounts import OgAmount


class TxKind(enum.StrEnum):
    CREATE_LEDGER = "create_ledger"
    DEPOSIT = "deposit"
    WITHDRAW = "withdraw"  # ledger refund(amount) → back to the wallet
    FUND_PROVIDER = "fund_provider"  # transferFund
    RETRIEVE = "retrieve"  # retrieveFund: queue refunds / collect unlocked ones
    REVOKE_TOKEN = "revoke_token"
    REVOKE_ALL_TOKENS = "revoke_all_tokens"
    SETUP = "setup"  # several of the above in one confirmation (`TxPlan.steps`), sent one after the other


class TxStep(enum.StrEnum):
    CHECKING = "checking"  # client-side rules
    SIMULATING = "simulating"  # eth_call pre-flight
    SIGNING = "signing"
    SENT = "sent"
    CONFIRMED = "confirmed"
    FAILED = "failed"


@dataclass(frozen=True)
class TxPlan:
    """What a transaction will do, in words, before anything is signed.

    Built by `OgClient.plan_*()` after the client-side rules passed; show `title`, `amount_og`,
    `effects` and `warnings` in a confirmation dialog, then hand the plan to `OgClient.execute`.
    """

    kind: TxKind
    wallet: str
    title: str  # "Fund provider 0x12…ab with 2 OG"
    amount_wei: int  # value moved (0 for revocations)
    effects: tuple[str, ...]  # plain sentences, what will change
    warnings: tuple[str, ...] = ()
    contract: Literal["ledger", "inference"] = "ledger"
    function: str = ""
    args: tuple[Any, ...] = ()
    value_wei: int = 0  # native OG attached to the call
    providers: tuple[str, ...] = ()
    created_at: float = field(default_factory=time.time)
    requested_wei: int = 0  # retrieve only: refunds it asks back (they unlock later; amount_wei is collected now)
    gas_fee_wei: int | None = None  # estimated gas cost when planned (None: the node could not say then)
    steps: tuple[TxPlan, ...] = ()  # SETUP only: the transactions, in the order they are sent

    amount_og = OgAmount("amount_wei")


@dataclass(frozen=True)
class TxResult:
    plan: TxPlan
    tx_hash: str  # 0x-prefixed
    status: Literal["confirmed", "reverted"]
    block_number: int | None
    gas_used: int | None
    message: str  # plain sentence for a toast


@dataclass
class TxRecord:
    """One line of the in-memory transaction history of a wallet."""

    kind: TxKind
    what: str
    amount_wei: int
    tx_hash: str | None
    status: Literal["pending", "confirmed", "reverted", "failed", "dropped", "unknown"]
    time: float
    detail: str = ""
    requested_wei: int = 0  # retrieve only: refunds asked back (collectable after the lock time)
    providers: tuple[str, ...] = ()  # the provider addresses the tx concerns

    amount_og = OgAmount("amount_wei")


@dataclass(frozen=True)
class WalletActivity:
    """What one wallet is doing right now, as seen by every session of this process (in memory)."""

    sending: bool  # a send holds the wallet's lock: checking, signing, or waiting for its receipt
    record: TxRecord | None  # the tx sent but not yet confirmed (what, amount, hash), once it has a hash

    @property
    def busy(self) -> bool:
        return self.sending or self.record is not None
