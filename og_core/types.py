"""Typed results og_core hands to pages, tests and benchmarks.

Plain dataclasses and enums only: no web3, no HTTP, nothing that needs a network to build.
Amounts are kept in wei (int) and exposed in OG (Decimal) through properties, so a page
never has to know about 10**18.
"""

from __future__ import annotations

import enum
import json
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from og_core.amounts import wei_to_og

NetworkName = Literal["local", "testnet", "mainnet"]
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


# --------------------------------------------------------------------------- discovery


class OgAmount:
    """Read-only OG (Decimal) view of a wei field: `balance_og = OgAmount("balance_wei")`."""

    def __init__(self, wei_field: str) -> None:
        self.wei_field = wei_field

    def __get__(self, obj: object, owner: type | None = None) -> Decimal:
        if obj is None:
            return self  # type: ignore[return-value]
        return wei_to_og(getattr(obj, self.wei_field))


@dataclass(frozen=True)
class ProviderHealth:
    """Result of a short HTTP probe of one provider (`GET /v1/models`)."""

    reachable: bool
    latency_ms: float | None = None
    models: tuple[str, ...] = ()
    error: str | None = None  # plain sentence when not reachable
    checked_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class ServiceInfo:
    """One provider's service as registered on-chain, parsed and normalised.

    Prices: `price_unit` says what one unit is — "1M tokens" (chatbot, speech-to-text) or
    "image" (text-to-image, image-editing). `input_price_og` / `output_price_og` are OG per unit.
    """

    provider: str  # checksummed address
    service_type: str  # chatbot | text-to-image | image-editing | speech-to-text | …
    url: str
    model: str
    verifiability: str  # TeeML | OpML | ZKML | "" …
    input_price_wei: int  # per token (or per image for image services), as on-chain
    output_price_wei: int
    updated_at: int  # unix seconds
    tee_signer: str  # on-chain teeSignerAddress
    tee_signer_acknowledged: bool  # by the contract owner
    additional_info_raw: str
    additional_info: dict[str, Any] | None  # None when missing or not valid JSON
    additional_info_error: str | None = None  # why it could not be parsed
    health: ProviderHealth | None = None
    url_error: str | None = None  # why `url` cannot be used (then every request to it is refused in these words)

    @property
    def price_unit(self) -> str:
        return "image" if self.service_type in ("text-to-image", "image-editing") else "1M tokens"

    @property
    def input_price_og(self) -> Decimal:
        """OG per `price_unit` for input (prompt) tokens; 0 for image services."""
        if self.price_unit == "image":
            return wei_to_og(self.input_price_wei)
        return wei_to_og(self.input_price_wei * 1_000_000)

    @property
    def output_price_og(self) -> Decimal:
        """OG per `price_unit` for output (completion tokens, images)."""
        if self.price_unit == "image":
            return wei_to_og(self.output_price_wei)
        return wei_to_og(self.output_price_wei * 1_000_000)

    @property
    def target_separated(self) -> bool:
        """additionalInfo's TargetSeparated is JSON true (provider-written: the string "false" is not)."""
        return (self.additional_info or {}).get("TargetSeparated") is True

    @property
    def centralized(self) -> bool:
        return (self.additional_info or {}).get("ProviderType") == "centralized"

    @property
    def _uses_target(self) -> bool:
        return self.target_separated and not self.centralized

    @property
    def signing_address_error(self) -> str | None:
        """Why the signer of answers cannot be known — the model runs in a separate TEE but
        TargetTeeAddress is missing or not an address — else None."""
        if not self._uses_target:
            return None
        target = (self.additional_info or {}).get("TargetTeeAddress")
        if isinstance(target, str) and _ADDRESS.fullmatch(target):
            return None
        what = "gives no TargetTeeAddress" if target in (None, "") else (
            f"its TargetTeeAddress ({json.dumps(target)[:60]}) is not an address")
        return f"The service's additionalInfo says its model runs in a separate TEE, but {what}."

    @property
    def signing_address(self) -> str:
        """Address responses must be signed by: TargetTeeAddress when the model runs in a
        separate TEE (and the provider is not centralized), else the on-chain teeSignerAddress;
        "" when that TargetTeeAddress is unusable (see `signing_address_error`)."""
        if not self._uses_target:
            return self.tee_signer
        return "" if self.signing_address_error else str(self.additional_info["TargetTeeAddress"])  # type: ignore[index]

    @property
    def signing_address_source(self) -> str:
        """Where `signing_address` came from, in words for the user."""
        if not self._uses_target:
            return "on-chain teeSignerAddress"
        if self.signing_address_error:
            return "TargetTeeAddress in the service's additionalInfo, which is missing or not a valid address"
        return "TargetTeeAddress in the service's additionalInfo (model runs in a separate TEE)"

    @property
    def verifiable(self) -> bool:
        """TEE/OP/ZK verifiability, signer acknowledged by the owner, additionalInfo valid JSON."""
        return (
            self.verifiability.lower() in ("teeml", "opml", "zkml")
            and self.tee_signer_acknowledged
            and self.additional_info is not None
            and self.signing_address_error is None
        )


# --------------------------------------------------------------------------- ledger


@dataclass(frozen=True)
class PendingRefund:
    """A refund queued from a provider sub-account; collectable once `unlocks_at` has passed."""

    index: int
    amount_wei: int
    created_at: int  # unix seconds (chain time)
    unlocks_at: int  # created_at + lockTime
    processed: bool

    amount_og = OgAmount("amount_wei")

    def unlocked(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) >= self.unlocks_at


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


# --------------------------------------------------------------------------- transactions


class TxKind(enum.StrEnum):
    CREATE_LEDGER = "create_ledger"
    DEPOSIT = "deposit"
    WITHDRAW = "withdraw"  # ledger refund(amount) → back to the wallet
    FUND_PROVIDER = "fund_provider"  # transferFund
    RETRIEVE = "retrieve"  # retrieveFund: queue refunds / collect unlocked ones
    REVOKE_TOKEN = "revoke_token"
    REVOKE_ALL_TOKENS = "revoke_all_tokens"


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


# --------------------------------------------------------------------------- inference


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True)
class ChatResult:
    """A finished (or cut) chat completion."""

    provider: str
    model: str
    text: str
    chat_id: str | None  # ZG-Res-Key header, else completion id (first SSE chunk's id)
    chat_id_source: Literal["ZG-Res-Key", "id", "none"]
    usage: Usage
    cost_wei: int  # from on-chain prices and the usage reported
    latency_ms: float  # request start → last byte
    ttft_ms: float | None  # request start → first content token (streaming only)
    finish_reason: str | None = None
    cut: bool = False  # the stream ended early (connection dropped / stopped)
    cut_reason: str | None = None
    stopped: bool = False  # the user pressed stop
    request_body: bytes = b""  # exactly what was sent
    response_body: bytes = b""  # exactly what was received (whole SSE text for a stream)

    cost_og = OgAmount("cost_wei")


@dataclass(frozen=True)
class ImageResult:
    provider: str
    model: str
    images: tuple[bytes, ...]  # decoded image bytes (PNG from the local network)
    chat_id: str | None
    cost_wei: int
    latency_ms: float
    request_body: bytes = b""
    response_body: bytes = b""

    cost_og = OgAmount("cost_wei")


@dataclass(frozen=True)
class TranscriptResult:
    provider: str
    model: str
    text: str
    chat_id: str | None
    usage: Usage
    cost_wei: int
    latency_ms: float
    request_body: bytes = b""
    response_body: bytes = b""

    cost_og = OgAmount("cost_wei")


# --------------------------------------------------------------------------- verification


class VerificationStatus(enum.StrEnum):
    VERIFIED = "verified"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class VerificationResult:
    """Outcome of checking a provider's TEE signature on one response. Never a bare bool."""

    status: VerificationStatus
    reason: str  # plain sentence
    chat_id: str | None
    provider: str
    expected_signer: str | None = None
    signer_source: str | None = None  # which address was used and why
    recovered_signer: str | None = None
    signed_text: str | None = None
    response_hash_matches: bool | None = None  # None: no response bytes to compare

    @property
    def ok(self) -> bool:
        return self.status is VerificationStatus.VERIFIED


@dataclass(frozen=True)
class AttestationResult:
    """Provider attestation: the `/v1/quote` report_data signer vs the on-chain signer."""

    status: VerificationStatus
    reason: str
    provider: str
    onchain_signer: str | None = None
    report_signer: str | None = None


# --------------------------------------------------------------------------- API keys


@dataclass(frozen=True)
class ApiKeyInfo:
    """An API key issued in this session (no secret in it)."""

    provider: str
    token_id: int
    created_at: int  # ms
    expires_at: int  # ms, 0 = never
    revoked: bool = False


@dataclass(frozen=True)
class NewApiKey:
    """The result of creating an API key. `token` IS THE SECRET BEARER TOKEN — shown once to the
    user who asked for it; og_core keeps no copy. Its repr hides it."""

    info: ApiKeyInfo
    token: str = field(repr=False)
