"""An in-memory stand-in for og_core's OgClient, for the fast tier's AppTests.

It implements the client surface the pages and og_ui use (services, ledger, provider readiness, plans
and execute, chat and media, verification, history, busy/activity, API keys, local tools) over a
`FakeNetwork`: balances, ledgers, sub-accounts and the executed plans, shared by every client of a
test like a chain is. Results are og_core's own types, so the pages render exactly what they would.
It checks the rules a page relies on (bad amounts, minimums, what is available), not all of them:
og_core's own tests cover those against a real local network.

Use: `fake_network` (tests/app/conftest.py) installs it where og_ui/session.py builds the client.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account

from og_core import (
    ApiKeyInfo,
    AttestationLog,
    AttestationResult,
    ChainHistory,
    ChainTx,
    ChatCost,
    ChatResult,
    ChatStream,
    CostEstimate,
    ImageResult,
    LedgerView,
    MarketView,
    ModelInfo,
    ModelList,
    NewApiKey,
    NotFoundError,
    OgError,
    PendingRefund,
    Pricing,
    ProviderAccount,
    ProviderHealth,
    ProviderReadiness,
    ReadOnlyError,
    RuleError,
    SecretStr,
    ServiceInfo,
    StatusReport,
    Step,
    TranscriptResult,
    TxKind,
    TxPlan,
    TxRecord,
    TxResult,
    TxStep,
    Usage,
    UsageCounts,
    VerificationResult,
    VerificationStatus,
    WalletActivity,
    chat_cost,
    estimate_cost,
    estimate_prompt_tokens,
    format_og,
    parse_og,
    pricing_for,
    summarize_models,
)
from og_core.readiness import assess
from og_core.status import NO_STATUS_SERVICE

ONE_OG = 10**18
MIN_LEDGER = 3 * ONE_OG
MIN_FIRST_TRANSFER = ONE_OG
RESERVE = ONE_OG  # a provider keeps 1 OG of a sub-account in reserve
LOCK_TIME = 24 * 3600
GAS_FEE = 21_000 * 10**9


def _address(n: int) -> str:
    return Account.from_key(n.to_bytes(32, "big")).address


def make_service(n: int, service_type: str = "chatbot", model: str | None = None, *, tee: bool = True,
                 input_price_wei: int = 10**12, output_price_wei: int = 2 * 10**12,
                 info: dict[str, Any] | None = None) -> ServiceInfo:
    """Provider number `n` (a stable address), serving `model` at these per-token (per-image) prices,
    with this additionalInfo (tiers, cache billing…)."""
    signer = _address(1000 + n)
    return ServiceInfo(
        provider=_address(100 + n), service_type=service_type, url=f"http://provider-{n}.invalid",
        model=model or f"fake/{service_type}-{n}", verifiability="TeeML" if tee else "",
        input_price_wei=input_price_wei, output_price_wei=output_price_wei, updated_at=0,
        tee_signer=signer, tee_signer_acknowledged=tee, additional_info_raw=json.dumps(info or {}),
        additional_info=dict(info or {}),
        health=ProviderHealth(reachable=True, latency_ms=12.0, models=(model or f"fake/{service_type}-{n}",)),
    )


def default_services() -> list[ServiceInfo]:
    return [make_service(1, "chatbot", "fake/chat-tee"), make_service(2, "chatbot", "fake/chat-plain", tee=False),
            make_service(3, "text-to-image", "fake/image", input_price_wei=0, output_price_wei=10**15),
            make_service(4, "image-editing", "fake/edit", input_price_wei=0, output_price_wei=10**15),
            make_service(5, "speech-to-text", "fake/stt")]


@dataclass
class SubAccount:
    balance_wei: int = 0
    refunds: list[list[int]] = field(default_factory=list)  # [amount_wei, created_at, processed]

    @property
    def pending_wei(self) -> int:
        return sum(a for a, _t, done in self.refunds if not done)


@dataclass
class FakeNetwork:
    """What the fake clients share: the "chain" state and what the test wants to see or inject."""

    services: list[ServiceInfo] = field(default_factory=default_services)
    wallets: dict[str, int] = field(default_factory=dict)  # address -> wei (default: 1,000 OG)
    ledgers: dict[str, int] = field(default_factory=dict)  # address -> available wei
    accounts: dict[tuple[str, str], SubAccount] = field(default_factory=dict)  # (user, provider)
    chain_time: int = 1_700_000_000
    executed: list[TxPlan] = field(default_factory=list)  # every plan execute() sent, in order
    history: dict[str, list[TxRecord]] = field(default_factory=dict)  # this process's memory (og_core's)
    mined: dict[str, list[TxRecord]] = field(default_factory=dict)  # the chain's: outlives a "restart"
    reply: str = "Hello from the fake provider."
    cached_tokens: int = 0  # every answer's usage says this many prompt tokens came from the cache
    provider_errors: dict[str, OgError] = field(default_factory=dict)  # provider -> raised by its requests
    unsettled_wei: dict[tuple[str, str], int] = field(default_factory=dict)
    status: StatusReport | None = None  # what health() returns (default: no status service)
    model_lists: dict[str, ModelList] = field(default_factory=dict)  # provider -> its /v1/models
    attestations: dict[str, AttestationLog] = field(default_factory=dict)  # provider -> attest() result
    clients: list[FakeClient] = field(default_factory=list)
    _hashes: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def service(self, provider: str) -> ServiceInfo:
        for s in self.services:
            if s.provider.lower() == provider.lower():
                return s
        raise NotFoundError(f"No service is registered for provider {provider}.", "Pick a provider from the list.")

    def of_type(self, service_type: str) -> ServiceInfo:
        return next(s for s in self.services if s.service_type == service_type)

    def wallet(self, address: str) -> int:
        return self.wallets.setdefault(address, 1000 * ONE_OG)

    def tx_hash(self) -> str:
        return "0x" + f"{next(self._hashes):064x}"


class FakeLocalTools:
    def __init__(self, net: FakeNetwork) -> None:
        self._net = net

    def chain_time(self) -> int:
        return self._net.chain_time

    def advance_time(self, seconds: int) -> int:
        self._net.chain_time += int(seconds)
        return self._net.chain_time

    def faucet(self, address: str, og: str) -> int:
        self._net.wallets[address] = self._net.wallet(address) + parse_og(og)
        return self._net.wallets[address]


class FakeApiKeys:
    def __init__(self, client: FakeClient) -> None:
        self._client = client
        self._keys: list[ApiKeyInfo] = []

    def create(self, provider: str, *, token_id: int | None = None, expires_in_s: int = 30 * 24 * 3600) -> NewApiKey:
        self._client._need_wallet()
        now_ms = int(time.time() * 1000)
        info = ApiKeyInfo(provider, token_id if token_id is not None else len(self._keys), now_ms,
                          now_ms + expires_in_s * 1000 if expires_in_s else 0)
        self._keys.append(info)
        return NewApiKey(info, token="app-sk-" + hashlib.sha256(f"{provider}{info.token_id}".encode()).hexdigest())

    def list(self, provider: str | None = None) -> list[ApiKeyInfo]:
        return [k for k in self._keys if provider is None or k.provider == provider]

    def plan_revoke(self, provider: str, token_id: int) -> TxPlan:
        return self._client._plan(TxKind.REVOKE_TOKEN, f"Revoke API key #{token_id}", 0,
                                  (f"API key #{token_id} for {provider} stops working.",), providers=(provider,),
                                  args=(provider, token_id))

    def plan_revoke_all(self, provider: str) -> TxPlan:
        return self._client._plan(TxKind.REVOKE_ALL_TOKENS, "Revoke every API key", 0,
                                  ("Every API key and session token for this provider stops working.",),
                                  providers=(provider,), args=(provider,))


class FakeClient:
    """OgClient's surface over a FakeNetwork (the `network` argument chooses the profile name only)."""

    net: FakeNetwork  # set by `install`

    def __init__(self, network: str | None = None, private_key: str | SecretStr | None = None, *,
                 settings: Any = None, rpc_url: str | None = None, addresses: dict[str, str] | None = None,
                 http_timeout_s: float = 120.0) -> None:
        self.network = network or "local"
        key = private_key.get_secret_value() if isinstance(private_key, SecretStr) else private_key
        self.address: str | None = Account.from_key(key).address if key else None
        self.chain_id = {"local": 31337, "testnet": 16602, "mainnet": 16661}.get(self.network, 31337)
        self.rpc_url = rpc_url or "http://127.0.0.1:9"
        self.shareable_rpc_url = self.rpc_url  # a loopback URL carries no key
        self.addresses = {"ledger": _address(1), "inference": _address(2), "fine_tuning": _address(3)}
        self.api_keys = FakeApiKeys(self)
        self.closed = False
        self._sending = False
        self.net.clients.append(self)

    # ------------------------------------------------------------------ identity
    @property
    def read_only(self) -> bool:
        return self.address is None

    @property
    def local(self) -> FakeLocalTools | None:
        return FakeLocalTools(self.net) if self.network == "local" else None

    def _need_wallet(self) -> str:
        if self.address is None:
            raise ReadOnlyError("This needs a wallet: the client is read-only.", "Choose a wallet in the sidebar.")
        return self.address

    # ------------------------------------------------------------------ discovery
    def services(self, *, refresh: bool = False, probe: bool = False) -> list[ServiceInfo]:
        return list(self.net.services)

    def service(self, provider: str, *, refresh: bool = False) -> ServiceInfo:
        return self.net.service(provider)

    def probe(self, provider: str) -> ProviderHealth:
        return self.net.service(provider).health or ProviderHealth(reachable=False, error="not probed")

    # ------------------------------------------------------------------ marketplace
    status_url: str | None = None

    def health(self, *, refresh: bool = False) -> StatusReport:
        return self.net.status or StatusReport(base_url=None, error=NO_STATUS_SERVICE)

    def market(self, *, refresh: bool = False, models_timeout_s: float = 5.0,
               health_wait_s: float | None = None) -> MarketView:
        status = self.health()
        return MarketView(tuple(self.net.services), status, dict(self.net.model_lists),
                          tuple(summarize_models(self.net.services, status, self.net.model_lists)))

    def models(self, provider: str) -> ModelList:
        svc = self.net.service(provider)
        return self.net.model_lists.get(svc.provider) or ModelList((ModelInfo(svc.model, provider=svc.provider),))

    def pricing(self, provider: str, model: ModelInfo | str | None = None) -> Pricing:
        if isinstance(model, ModelInfo) and model.pricing is not None:
            return model.pricing
        svc = self.net.service(provider)
        listed = self.net.model_lists.get(svc.provider)
        own = listed.get(model or svc.model) if listed is not None else None
        if own is not None and own.pricing is not None:  # what /v1/models adds, as og_core reads it
            return own.pricing
        return pricing_for(svc.input_price_wei, svc.output_price_wei, svc.additional_info)

    def estimate_chat(self, provider: str, messages: Sequence[dict[str, Any]], max_tokens: int,
                      model: ModelInfo | str | None = None) -> CostEstimate:
        return estimate_cost(self.pricing(provider, model), estimate_prompt_tokens(messages), max_tokens)

    def chat_cost(self, result: ChatResult) -> ChatCost:
        u = result.usage
        return chat_cost(self.pricing(result.provider), UsageCounts(
            u.prompt_tokens, u.completion_tokens, u.cached_tokens, u.cache_write_tokens, u.cache_write_1h_tokens))

    def attest(self, provider: str, on_step: Callable[[Step], None] | None = None) -> AttestationLog:
        svc = self.net.service(provider)
        log = self.net.attestations.get(svc.provider) or AttestationLog(
            svc.provider, "passed", "Attestation passed (fake).", (Step("info", "Step 1 — service read (fake)."),
                                                                   Step("success", "Attestation passed (fake).")))
        for step in log.steps:
            if on_step is not None:
                on_step(step)
        return log

    # ------------------------------------------------------------------ ledger
    def _account(self, provider: str) -> SubAccount | None:
        return self.net.accounts.get((self._need_wallet(), self.net.service(provider).provider))

    def ledger(self) -> LedgerView:
        user = self._need_wallet()
        providers = []
        for (owner, provider), acct in self.net.accounts.items():
            if owner != user:
                continue
            refunds = tuple(PendingRefund(i, a, t, t + LOCK_TIME, bool(done)) for i, (a, t, done) in
                            enumerate(acct.refunds))
            providers.append(ProviderAccount(provider, acct.balance_wei, acct.pending_wei, True, 0, 0, refunds))
        available = self.net.ledgers.get(user, 0)
        return LedgerView(user, self.net.wallet(user), user in self.net.ledgers, available,
                          available + sum(p.balance_wei for p in providers), tuple(providers), LOCK_TIME,
                          MIN_LEDGER, MIN_FIRST_TRANSFER)

    def chain_time(self) -> int:
        return self.net.chain_time

    def unsettled_fee(self, provider: str) -> int:
        return self.net.unsettled_wei.get((self._need_wallet(), provider), 0)

    def provider_readiness(self, provider: str) -> ProviderReadiness:
        """og_core's own rule (readiness.assess) over the fake chain state: the pages show its words."""
        user = self._need_wallet()
        svc = self.net.service(provider)
        acct = self._account(provider)
        ledger = (self.net.ledgers[user], self.net.ledgers[user]) if user in self.net.ledgers else None
        account = None if acct is None else ProviderAccount(svc.provider, acct.balance_wei, acct.pending_wei, True,
                                                            0, 0)
        return assess(svc.provider, ledger, account, self.unsettled_fee(provider), reserve_wei=RESERVE)

    # ------------------------------------------------------------------ plans
    def _plan(self, kind: TxKind, title: str, amount_wei: int, effects: tuple[str, ...], **kw: Any) -> TxPlan:
        return TxPlan(kind=kind, wallet=self._need_wallet(), title=title, amount_wei=amount_wei, effects=effects,
                      gas_fee_wei=GAS_FEE, **kw)

    def plan_deposit(self, amount_og: str) -> TxPlan:
        user = self._need_wallet()
        wei = parse_og(amount_og)
        if wei > self.net.wallet(user):
            raise RuleError(f"Your wallet holds only {format_og(self.net.wallet(user))}.", "Deposit less.")
        if user not in self.net.ledgers:
            if wei < MIN_LEDGER:
                raise RuleError(f"A new ledger needs at least {format_og(MIN_LEDGER)}.", "Deposit more.")
            return self._plan(TxKind.CREATE_LEDGER, f"Create your ledger with {format_og(wei)}", wei,
                              (f"{format_og(wei)} moves from your wallet into a new ledger.",), value_wei=wei)
        return self._plan(TxKind.DEPOSIT, f"Deposit {format_og(wei)} into your ledger", wei,
                          (f"{format_og(wei)} moves from your wallet into your ledger.",), value_wei=wei)

    def plan_withdraw(self, amount_og: str) -> TxPlan:
        user = self._need_wallet()
        wei = parse_og(amount_og)
        available = self.net.ledgers.get(user, 0)
        if wei > available:
            raise RuleError(f"Only {format_og(available)} is available in your ledger.", "Withdraw less.")
        return self._plan(TxKind.WITHDRAW, f"Withdraw {format_og(wei)} from your ledger", wei,
                          (f"{format_og(wei)} moves from your ledger back to your wallet.",))

    def plan_fund_provider(self, provider: str, amount_og: str) -> TxPlan:
        user = self._need_wallet()
        svc = self.net.service(provider)
        wei = parse_og(amount_og)
        if user not in self.net.ledgers:
            raise RuleError("You have no ledger yet.", "Create one on the Wallet page first.")
        available = self.net.ledgers[user]
        if wei > available:
            raise RuleError(f"Only {format_og(available)} is available in your ledger.", "Transfer less.")
        if self._account(provider) is None and wei < MIN_FIRST_TRANSFER:
            raise RuleError(f"A first transfer to a provider is at least {format_og(MIN_FIRST_TRANSFER)}.",
                            "Transfer more.")
        return self._plan(TxKind.FUND_PROVIDER, f"Fund provider {svc.provider[:6]}…{svc.provider[-4:]} with "
                          f"{format_og(wei)}", wei, (f"{format_og(wei)} moves from your ledger to this provider.",),
                          providers=(svc.provider,), args=(svc.provider, wei))

    def plan_setup(self, provider: str, fund_og: str, deposit_og: str | None = None) -> TxPlan:
        user = self._need_wallet()
        fund = parse_og(fund_og)
        available = self.net.ledgers.get(user)
        if available is not None and fund <= available:
            return self.plan_fund_provider(provider, fund_og)
        if available is None:
            deposit = parse_og(deposit_og) if deposit_og else max(MIN_LEDGER, fund)
            first = self.plan_deposit(format_og(deposit).removesuffix(" OG"))
        else:
            deposit = fund - available
            first = self.plan_deposit(format_og(deposit).removesuffix(" OG"))
        svc = self.net.service(provider)
        second = self._plan(TxKind.FUND_PROVIDER, f"Fund provider {svc.provider[:6]}…{svc.provider[-4:]} with "
                            f"{format_og(fund)}", fund, (f"{format_og(fund)} moves from your ledger to this provider.",),
                            providers=(svc.provider,), args=(svc.provider, fund))
        return self._plan(TxKind.SETUP, f"Set up provider {svc.provider[:6]}…", deposit,
                          ("Two transactions, one confirmation.",), providers=(svc.provider,), steps=(first, second))

    def plan_retrieve(self, providers: Sequence[str] | None = None) -> TxPlan:
        user = self._need_wallet()
        chosen = tuple(providers) if providers is not None else tuple(
            p for (u, p), a in self.net.accounts.items() if u == user and a.balance_wei)
        if not chosen:
            raise RuleError("No provider holds a balance to ask back.", "Fund a provider first.")
        collect = ask = 0
        for p in chosen:
            acct = self._account(p)
            if acct is None:
                raise RuleError(f"You have no account with {p}.", "Pick a funded provider.")
            collect += sum(a for a, t, done in acct.refunds if not done and t + LOCK_TIME <= self.net.chain_time)
            ask += acct.balance_wei - acct.pending_wei
        return self._plan(TxKind.RETRIEVE, f"Collect {format_og(collect)} of unlocked refunds and request a refund "
                          f"of {format_og(ask)}", collect,
                          ("Unlocked refunds come back to your ledger; the rest is asked back.",),
                          providers=chosen, requested_wei=ask)

    def plan_top_up(self, provider: str, *, target_og: str = "2", cap_og: str = "5") -> TxPlan | None:
        acct = self._account(provider)
        usable = acct.balance_wei - acct.pending_wei if acct else 0
        need = min(parse_og(target_og) + RESERVE + self.unsettled_fee(provider) - usable, parse_og(cap_og))
        return self.plan_fund_provider(provider, format_og(need).removesuffix(" OG")) if need > 0 else None

    # ------------------------------------------------------------------ transactions
    def execute(self, plan: TxPlan, progress: Callable[[TxStep, str], None] | None = None, *,
                receipt_timeout_s: float = 120.0) -> TxResult:
        user = self._need_wallet()
        step = progress or (lambda _s, _t: None)
        with self.net.lock:
            self._sending = True
            try:
                for s in (TxStep.CHECKING, TxStep.SIMULATING, TxStep.SIGNING, TxStep.SENT):
                    step(s, "")
                for one in plan.steps or (plan,):
                    self._apply(user, one)
                self.net.executed.append(plan)
                tx_hash = self.net.tx_hash()
                record = TxRecord(plan.kind, plan.title, plan.amount_wei, tx_hash, "confirmed", time.time(),
                                  requested_wei=plan.requested_wei, providers=plan.providers)
                self.net.history.setdefault(user, []).insert(0, record)
                self.net.mined.setdefault(user, []).insert(0, record)
                step(TxStep.CONFIRMED, "")
            finally:
                self._sending = False
        return TxResult(plan, tx_hash, "confirmed", len(self.net.executed), 21_000, f"{plan.title}: confirmed.")

    def _apply(self, user: str, plan: TxPlan) -> None:
        net = self.net
        if plan.kind in (TxKind.CREATE_LEDGER, TxKind.DEPOSIT):
            net.wallets[user] = net.wallet(user) - plan.amount_wei - GAS_FEE
            net.ledgers[user] = net.ledgers.get(user, 0) + plan.amount_wei
        elif plan.kind == TxKind.WITHDRAW:
            net.ledgers[user] -= plan.amount_wei
            net.wallets[user] = net.wallet(user) + plan.amount_wei - GAS_FEE
        elif plan.kind == TxKind.FUND_PROVIDER:
            net.ledgers[user] -= plan.amount_wei
            acct = net.accounts.setdefault((user, plan.providers[0]), SubAccount())
            acct.refunds = [[a, t, True] for a, t, _done in acct.refunds]  # a transfer cancels pending refunds
            acct.balance_wei += plan.amount_wei
        elif plan.kind == TxKind.RETRIEVE:
            for p in plan.providers:
                acct = net.accounts[(user, p)]
                for r in acct.refunds:
                    if not r[2] and r[1] + LOCK_TIME <= net.chain_time:
                        r[2] = True
                        acct.balance_wei -= r[0]
                        net.ledgers[user] += r[0]
                rest = acct.balance_wei - acct.pending_wei
                if rest:
                    acct.refunds.append([rest, net.chain_time, False])

    def history(self) -> list[TxRecord]:
        return list(self.net.history.get(self.address or "", []))

    def chain_history(self, noted: Iterable[str] = ()) -> ChainHistory:
        """What the chain would show: funding and refunds by their events, ledger deposits and
        withdrawals only when noted (0G's ledger contract emits no event for them)."""
        calls = {TxKind.CREATE_LEDGER: "addLedger", TxKind.DEPOSIT: "depositFund", TxKind.WITHDRAW: "refund",
                 TxKind.FUND_PROVIDER: "transferFund", TxKind.RETRIEVE: "retrieveFund"}
        known = {h.lower() for h in noted}
        items = [ChainTx((r.tx_hash or "").lower(), i, int(r.time), calls.get(r.kind, ""), r.what, r.providers,
                         r.amount_wei if r.kind == TxKind.FUND_PROVIDER else None,
                         int(r.kind == TxKind.RETRIEVE and r.requested_wei > 0), False)
                 for i, r in enumerate(self.net.mined.get(self.address or "", []))
                 if r.kind in (TxKind.FUND_PROVIDER, TxKind.RETRIEVE) or (r.tx_hash or "").lower() in known]
        return ChainHistory(tuple(items), 0, len(self.net.executed))

    def busy(self) -> str | None:
        return None

    def activity(self) -> WalletActivity:
        return WalletActivity(sending=any(c._sending for c in self.net.clients if c.address == self.address),
                              record=None)

    # ------------------------------------------------------------------ inference
    def _bill(self, svc: ServiceInfo, cost_wei: int) -> None:
        acct = self.net.accounts.get((self._need_wallet(), svc.provider))
        if acct is not None:
            acct.balance_wei -= cost_wei

    def _check(self, provider: str) -> ServiceInfo:
        self._need_wallet()
        svc = self.net.service(provider)
        if provider in self.net.provider_errors:
            raise self.net.provider_errors[provider]
        return svc

    def chat_stream(self, provider: str, messages: Sequence[dict[str, Any]], *, model: str | None = None,
                    stop_event: threading.Event | None = None, **params: Any) -> ChatStream:
        svc = self._check(provider)
        stop = stop_event or threading.Event()
        words = self.net.reply.split(" ")
        sent: list[str] = []
        started = time.perf_counter()

        def pieces() -> Iterator[str]:
            for i, w in enumerate(words):
                if stop.is_set():
                    return
                piece = w if i == 0 else " " + w
                sent.append(piece)
                yield piece

        def finish() -> ChatResult:
            return self._chat_result(svc, messages, "".join(sent), started, stopped=len(sent) < len(words))

        return ChatStream(pieces(), finish, stop)

    def chat(self, provider: str, messages: Sequence[dict[str, Any]], *, model: str | None = None,
             **params: Any) -> ChatResult:
        return self._chat_result(self._check(provider), messages, self.net.reply, time.perf_counter())

    def _chat_result(self, svc: ServiceInfo, messages: Sequence[dict[str, Any]], text: str, started: float, *,
                     stopped: bool = False) -> ChatResult:
        prompt = sum(len(str(m.get("content", "")).split()) for m in messages)
        completion = len(text.split())
        cached = min(self.net.cached_tokens, prompt)
        usage = Usage(prompt, completion, prompt + completion, cached_tokens=cached)
        # billed as og_core bills it: the service's tier and cache billing applied
        bill = chat_cost(self.pricing(svc.provider), UsageCounts(prompt, completion, cached))
        self._bill(svc, bill.total_wei)
        chat_id = f"fake-{self.net.tx_hash()[-8:]}"
        return ChatResult(svc.provider, svc.model, text, chat_id, "ZG-Res-Key", usage, bill.total_wei,
                          (time.perf_counter() - started) * 1000, 1.0, "stop", stopped=stopped, cut=stopped,
                          cut_reason="stopped" if stopped else None,
                          request_body=json.dumps({"model": svc.model, "messages": list(messages)}).encode(),
                          response_body=text.encode(), billing=bill)

    def generate_images(self, provider: str, prompt: str, *, n: int = 1, size: str = "512x512",
                        model: str | None = None, **params: Any) -> ImageResult:
        svc = self._check(provider)
        cost = n * svc.output_price_wei
        self._bill(svc, cost)
        return ImageResult(svc.provider, svc.model, tuple(_png() for _ in range(n)), "fake-image", cost, 5.0)

    def edit_image(self, provider: str, image: bytes, prompt: str, *, n: int = 1, size: str | None = None,
                   model: str | None = None, filename: str = "image.png") -> ImageResult:
        return self.generate_images(provider, prompt, n=n)

    def transcribe(self, provider: str, audio: bytes, *, filename: str = "audio.wav", language: str | None = None,
                   model: str | None = None) -> TranscriptResult:
        svc = self._check(provider)
        usage = Usage(0, 2, 2)
        cost = 2 * svc.output_price_wei
        self._bill(svc, cost)
        return TranscriptResult(svc.provider, svc.model, "hello world", "fake-stt", usage, cost, 5.0)

    # ------------------------------------------------------------------ verification
    def verify(self, result: Any = None, *, provider: str | None = None, chat_id: str | None = None
               ) -> VerificationResult:
        provider = result.provider if result is not None else provider
        chat_id = result.chat_id if result is not None else chat_id
        if provider is None:
            raise ValueError("verify() needs a result or a provider")
        svc = self.net.service(provider)
        if not svc.verifiable:
            return VerificationResult(VerificationStatus.UNAVAILABLE, "This service is not TEE-verifiable.",
                                      chat_id, provider)
        return VerificationResult(VerificationStatus.VERIFIED, f"Signed by the TEE signer {svc.tee_signer}.",
                                  chat_id, provider, expected_signer=svc.tee_signer, recovered_signer=svc.tee_signer,
                                  response_hash_matches=True)

    def verify_provider(self, provider: str) -> AttestationResult:
        svc = self.net.service(provider)
        return AttestationResult(VerificationStatus.VERIFIED, "The quote's signer is the on-chain signer.", provider,
                                 onchain_signer=svc.tee_signer, report_signer=svc.tee_signer)

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> FakeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (40, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def fake_client_class(net: FakeNetwork) -> type[FakeClient]:
    """A FakeClient subclass bound to `net` (so each test has its own network)."""
    return type("FakeClient", (FakeClient,), {"net": net})


def session_user(net: FakeNetwork) -> str:
    """The address of the wallet the app's session picked (the first fake client with one)."""
    return next(c.address for c in net.clients if c.address)
