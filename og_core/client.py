"""`OgClient`: the one object pages, tests and benchmarks talk to.

One client per user session (it holds that user's key). What is safe to share between sessions —
Web3 connections, the service cache, the per-wallet transaction locks — is shared at module level
in the modules below, keyed by network and address, never by session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from og_core.accounts import LedgerView, ProviderReadiness
from og_core.api_keys import ApiKeys
from og_core.attestation import AttestationLog, Step
from og_core.billing import (
    ChatCost,
    CostEstimate,
)
from og_core.chain_history import MAX_BLOCKS as MAX_HISTORY_BLOCKS
from og_core.chain_history import ChainHistory
from og_core.chain_history import history as chain_history
from og_core.config import SecretStr, Settings
from og_core.context import build_context
from og_core.errors import OgError, ReadOnlyError
from og_core.local_tools import LocalTools
from og_core.market import MarketView
from og_core.marketplace import Marketplace, Messages
from og_core.model_info import ModelInfo, ModelList
from og_core.networks import Network
from og_core.pricing import (
    Pricing,
)
from og_core.readiness import assess
from og_core.results import AttestationResult, ChatResult, ImageResult, TranscriptResult, VerificationResult
from og_core.service import ProviderHealth, ServiceInfo
from og_core.status import StatusReport
from og_core.streaming import ChatStream
from og_core.transactions import TxPlan, TxRecord, TxResult, TxStep, WalletActivity
from og_core.verify import images_hash, partial_reason, response_hash, verify_attestation, verify_response

ProgressCallback = Callable[[TxStep, str], None]


def _shareable(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None and parts.path in ("", "/") and not parts.query \
            and not parts.fragment:
        return url
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


class OgClient:
    """Typed client for the 0G Compute Network.

    >>> client = OgClient("local")                       # starts/attaches the local network
    >>> client.services()                                # list[ServiceInfo]
    >>> plan = client.plan_deposit("5"); client.execute(plan)
    >>> plan = client.plan_fund_provider(p, "2"); client.execute(plan)
    >>> r = client.chat(p, [{"role": "user", "content": "hi"}]); client.verify(r)

    network: "local" | "testnet" | "mainnet" (default: settings.network, i.e. OG_NETWORK or local).
    private_key: hex key or SecretStr; default settings.private_key; None → read-only client.
    rpc_url / addresses override the profile (addresses: dict with ledger, inference, fine_tuning);
    status_url the status service (default: 0G's for the chain; og_devnet's own on the local network).
    http_timeout_s: the longest a provider request may take in all, or a stream until its first
    bytes; a stream may then pause ≤ 30 s between chunks and take ≤ 10 min in all.
    """

    def __init__(
        self,
        network: str | None = None,
        private_key: str | SecretStr | None = None,
        *,
        settings: Settings | None = None,
        rpc_url: str | None = None,
        addresses: dict[str, str] | None = None,
        http_timeout_s: float = 120.0,
        status_url: str | None = None,
    ) -> None:

        self._s = build_context(network, private_key, settings=settings, rpc_url=rpc_url, addresses=addresses,
                                http_timeout_s=http_timeout_s, status_url=status_url)
        self._auth = self._s.auth
        self.api_keys = ApiKeys(self._auth, self._s.plans)
        self._market = Marketplace(self._s)
        self._local: LocalTools | None = None

    # ------------------------------------------------------------------ identity
    @property
    def network(self) -> Network:
        """Network.LOCAL, TESTNET or MAINNET (equal to "local", "testnet", "mainnet")."""
        return self._s.profile.name

    @property
    def chain_id(self) -> int:
        return self._s.profile.chain_id

    @property
    def rpc_url(self) -> str:
        """The RPC URL in use. It may hold the operator's API key (hosted RPCs put it in the path or
        query): show `shareable_rpc_url` instead."""
        return self._s.profile.rpc_url

    @property
    def shareable_rpc_url(self) -> str:
        """The RPC URL as it may be shown to anyone: the URL itself when it has no credentials, path
        or query, else only its scheme://host:port."""
        return _shareable(self._s.profile.rpc_url)

    @property
    def address(self) -> str | None:
        """Checksummed wallet address, None when read-only."""
        return self._s.address

    @property
    def read_only(self) -> bool:
        """True without a private key: views work, anything that signs raises ReadOnlyError."""
        return self._s.account is None

    @property
    def addresses(self) -> dict[str, str]:
        """Contract addresses in use: ledger, inference, fine_tuning."""
        return dict(self._s.profile.addresses)

    @property
    def local(self) -> LocalTools | None:
        """Developer controls of the local network — `faucet(address, og)`, `advance_time(seconds)`,
        `chain_time()` — or None on testnet/mainnet, which have no such methods."""
        if self.network is not Network.LOCAL:
            return None
        if self._local is None:
            self._local = LocalTools(self._s.web3)
        return self._local

    @property
    def web3(self) -> Any:
        """The shared Web3 instance (for benchmarks/tests; pages should not need it)."""
        return self._s.web3

    # ------------------------------------------------------------------ discovery
    def services(self, *, refresh: bool = False, probe: bool = False) -> list[ServiceInfo]:
        """Every registered service (paged ≤ 50 until the contract's total), each parsed on its own.

        Cached per network for a short TTL; refresh=True re-reads the chain. probe=True also runs
        a concurrent health probe of each provider (short timeouts) and fills `.health`.
        """
        return self._s.discovery.services(refresh=refresh, probe=probe)

    def service(self, provider: str, *, refresh: bool = False) -> ServiceInfo:
        """One provider's service (NotFoundError if none is registered; RpcError if the chain is down)."""
        return self._s.discovery.service(provider, refresh=refresh)

    def probe(self, provider: str) -> ProviderHealth:
        """Reachability, latency and model list of one provider (`GET /v1/models`)."""
        return self._s.discovery.probe(self.service(provider))

    @property
    def status_url(self) -> str | None:
        """0G's status service for this network (by chain id; on the local network the one og_devnet
        names, or None)."""
        return self._s.profile.status_base_url

    def health(self, *, refresh: bool = False) -> StatusReport:
        """Health per (provider, model) from the status service, cached ≥ 60 s for the whole process.
        Never raises: a broken or missing service gives a report whose `error` says so."""
        return self._market.health(refresh=refresh)

    def market(self, *, refresh: bool = False, models_timeout_s: float = 5.0,
               health_wait_s: float | None = None) -> MarketView:
        """Services and health side by side, grouped by model (see Marketplace.market)."""
        return self._market.market(refresh=refresh, models_timeout_s=models_timeout_s, health_wait_s=health_wait_s)

    def models(self, provider: str) -> ModelList:
        """The provider's `/v1/models` objects, parsed (≤ 10 s, ≤ 5 MB); a failure is `ModelList.error`."""
        return self._market.models(provider)

    def pricing(self, provider: str, model: ModelInfo | str | None = None) -> Pricing:
        """How `provider` bills (for `model`, default its on-chain model); see Marketplace.pricing."""
        return self._market.pricing(provider, model)

    def estimate_chat(self, provider: str, messages: Messages, max_tokens: int,
                      model: ModelInfo | str | None = None) -> CostEstimate:
        """The most a chat can cost before sending, naming its price tier."""
        return self._market.estimate_chat(provider, messages, max_tokens, model)

    def chat_cost(self, result: ChatResult) -> ChatCost:
        """`result.cost_wei` fee by fee: the tier, the cached and cache-written tokens, each fee."""
        return self._market.chat_cost(result)

    def attest(self, provider: str, on_step: Callable[[Step], None] | None = None) -> AttestationLog:
        """The provider's TEE attestation as a step log (see Marketplace.attest). Never raises for what
        the provider sends; `log.passed` only when every check ran and passed."""
        return self._market.attest(provider, on_step)

    # ------------------------------------------------------------------ ledger
    def ledger(self) -> LedgerView:
        """Wallet balance, ledger (available / locked / total) and every provider sub-account with
        pending refunds and their unlock times. Read-only clients raise ReadOnlyError."""
        return self._s.reads.ledger_view()

    def chain_time(self) -> int:
        """The latest block's timestamp (unix seconds), on every network. Refund unlock times
        (`PendingRefund.unlocks_at`) are chain time, which can differ from the wall clock."""
        return self._s.reads.chain_time()

    def unsettled_fee(self, provider: str) -> int:
        """Fees (wei) the provider has recorded for this wallet but not yet settled on-chain."""
        return self._s.inference.unsettled_fee(self.service(provider))

    def provider_readiness(self, provider: str) -> ProviderReadiness:
        """Can this wallet be served by `provider` now: sub-account exists, acknowledged, usable balance,
        unsettled fee (asked from the provider, best effort: None when it does not answer), the 1 OG
        reserve, a plain `reason` and a `suggested_top_up_wei`. Two view calls + one provider GET when
        the account exists; never sends a transaction. Read-only clients raise ReadOnlyError."""

        ledger, account = self._s.reads.account_state(provider)
        unsettled: int | None = 0
        if account is not None:
            try:
                unsettled = self.unsettled_fee(provider)
            except OgError:
                unsettled = None  # a provider that does not answer is reported, not fatal
        return assess(account.provider if account is not None else provider, ledger, account, unsettled)

    # ------------------------------------------------------------------ transactions
    def plan_deposit(self, amount_og: str) -> TxPlan:
        """Create the ledger (addLedger, ≥ minimum) when there is none, else depositFund."""
        return self._s.plans.plan_deposit(amount_og)

    def plan_withdraw(self, amount_og: str) -> TxPlan:
        """Ledger `refund(amount)`: available OG back to the wallet. What remains must be 0 or ≥ 3 OG;
        withdrawing everything deletes the ledger (the plan warns)."""
        return self._s.plans.plan_withdraw(amount_og)

    def plan_fund_provider(self, provider: str, amount_og: str) -> TxPlan:
        """`transferFund` from the ledger to a provider sub-account. New provider: ≥ 1 OG, and the
        transfer acknowledges the provider. Existing: cancels pending refunds first, then deposits."""
        return self._s.plans.plan_fund_provider(provider, amount_og)

    def plan_setup(self, provider: str, fund_og: str, deposit_og: str | None = None) -> TxPlan:
        """Everything missing before `provider` can be paid, for one confirmation: a SETUP plan whose
        `steps` create the ledger (`deposit_og`, default max(3 OG, fund_og)) or deposit what it lacks,
        then fund the provider with `fund_og`; `execute` sends them in order, the wallet locked
        throughout. When only the transfer is missing, that transfer's plan."""
        return self._s.plans.plan_setup(provider, fund_og, deposit_og)

    def plan_retrieve(self, providers: Sequence[str] | None = None) -> TxPlan:
        """`retrieveFund`: collect refunds older than the lock time back to *available*, and queue a
        refund of the rest. providers None → every sub-account with a balance (≤ 20 per tx)."""
        return self._s.plans.plan_retrieve(providers)

    def plan_top_up(self, provider: str, *, target_og: str = "2", cap_og: str = "5") -> TxPlan | None:
        """Plan a transfer that leaves `target_og` usable for requests (above the 1 OG reserve and the
        unsettled fees), never more than cap_og. None when nothing is needed. Only plans; nothing moves by itself."""
        return self._s.plans.plan_top_up(provider, target_og=target_og, cap_og=cap_og,
                                    unsettled_wei=self.unsettled_fee(provider))

    def execute(self, plan: TxPlan, progress: ProgressCallback | None = None, *,
                receipt_timeout_s: float = 120.0) -> TxResult:
        """Run a plan: re-check rules → eth_call pre-flight (a revert raises ContractRevert with its
        decoded reason, nothing spent) → estimate gas × margin → sign → send → wait for receipt.
        Serialized per wallet across the process. A receipt timeout or a lost send reply raises
        TxTimeoutError and marks the wallet busy until the chain shows the tx mined or dropped; it is
        never re-sent, and an error answer to the send is never taken as proof it was not taken."""
        return self._s.sender.execute(plan, progress, receipt_timeout_s=receipt_timeout_s)

    def history(self) -> list[TxRecord]:
        """This wallet's transactions sent by og_core in this process, newest first."""
        return self._s.sender.history()

    def chain_history(self, noted: Iterable[str] = ()) -> ChainHistory:
        """This wallet's ledger transactions as the chain's events show them (og_core/chain_history.py),
        with the `noted` hashes (deposits and withdrawals emit no event) checked by their receipts.
        Local: the whole chain; public networks: the last chain_history.MAX_BLOCKS blocks."""
        if self.address is None:
            raise ReadOnlyError("The history needs a wallet address.", "Choose a wallet in the sidebar.")
        limit = None if self.network == Network.LOCAL else MAX_HISTORY_BLOCKS
        return chain_history(self._s.web3, self.addresses, self.address, noted=noted, max_blocks=limit)

    def busy(self) -> str | None:
        """Why the wallet cannot send right now (a pending tx hash), else None."""
        return self._s.sender.busy_reason()

    def activity(self) -> WalletActivity:
        """What this wallet is doing now, seen from every session of this process (another tab, a
        reloaded page): `sending` while any session's `execute` runs, `record` (what, amount, hash)
        for the tx sent but not yet confirmed. In memory, no chain call; call `busy()` first so a
        pending tx that was mined meanwhile is resolved."""
        return self._s.sender.activity()

    # ------------------------------------------------------------------ inference
    def chat(self, provider: str, messages: Messages, *, model: str | None = None, **params: Any) -> ChatResult:
        """Non-streaming chat completion (`POST /v1/proxy/chat/completions`)."""
        return self._market.priced(self._s.inference.chat(self.service(provider), messages, model=model, **params))

    def chat_stream(self, provider: str, messages: Messages, *, model: str | None = None,
                    stop_event: threading.Event | None = None, **params: Any) -> ChatStream:
        """Streaming chat completion; iterate the returned ChatStream, then read `.result`."""
        service = self.service(provider)
        inner = self._s.inference.chat_stream(service, messages, model=model, stop_event=stop_event, **params)
        return inner.with_result(self._market.priced)  # with the tiers and prices /v1/models adds

    def generate_images(self, provider: str, prompt: str, *, n: int = 1, size: str = "512x512",
                        model: str | None = None, **params: Any) -> ImageResult:
        """`POST /v1/proxy/images/generations` with response_format b64_json."""
        return self._s.inference.generate_images(self.service(provider), prompt, n=n, size=size, model=model,
                                                 **params)

    def edit_image(self, provider: str, image: bytes, prompt: str, *, n: int = 1, size: str | None = None,
                   model: str | None = None, filename: str = "image.png") -> ImageResult:
        """`POST /v1/proxy/images/edits` (multipart)."""
        return self._s.inference.edit_image(self.service(provider), image, prompt, n=n, size=size, model=model,
                                            filename=filename)

    def transcribe(self, provider: str, audio: bytes, *, filename: str = "audio.wav", language: str | None = None,
                   model: str | None = None) -> TranscriptResult:
        """`POST /v1/proxy/audio/transcriptions` (multipart)."""
        return self._s.inference.transcribe(self.service(provider), audio, filename=filename, language=language,
                                            model=model)

    # ------------------------------------------------------------------ verification
    def verify(self, result: ChatResult | ImageResult | TranscriptResult | None = None, *,
               provider: str | None = None, chat_id: str | None = None) -> VerificationResult:
        """Check the provider's TEE signature for a result (or a bare provider + chat_id):
        VERIFIED / INVALID / UNAVAILABLE with the reason and the addresses compared. A stopped or
        cut stream holds only part of the signed answer: UNAVAILABLE, never INVALID, unless the
        signer itself is wrong."""

        expected: str | None = None
        partial: str | None = None
        if result is not None:
            provider, chat_id, partial = result.provider, result.chat_id, partial_reason(result)
            if isinstance(result, ImageResult):
                expected = images_hash(result.images)
            elif result.response_body:
                expected = response_hash(result.response_body)
        if provider is None:
            raise ValueError("verify() needs a result or a provider")
        return verify_response(self.service(provider), chat_id, expected_response_hash=expected,
                               http=self._s.http, url_guard=self._s.url_guard, partial=partial)

    def verify_provider(self, provider: str) -> AttestationResult:
        """Compare the `/v1/quote` report_data signer with the on-chain teeSignerAddress."""

        return verify_attestation(self.service(provider), http=self._s.http, url_guard=self._s.url_guard)

    # ------------------------------------------------------------------ benchmarks only
    def _request_headers(self, provider: str) -> dict[str, str]:
        """For benchmarks only (bench/client_overhead.py's raw-POST baseline); not public API, since
        og_core never returns a bearer token. The `Authorization` header from the cached session token."""
        return self._auth.headers(provider)

    def close(self) -> None:
        """Release HTTP connections. The client is unusable afterwards."""
        self._s.close()

    def __enter__(self) -> OgClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"OgClient(network={self.network!r}, address={self.address!r}, read_only={self.read_only})"
