"""Ledger view and every transaction og_core sends: plan (rules + words) → execute (pre-flight, sign, send).

Transactions are built here from the SDK's contract objects with eth_estimateGas × margin — never with
the SDK's write methods, whose fixed gas limits fail on the official contracts (pitfall #22).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from eth_typing import ChecksumAddress, HexStr
from web3 import Web3
from web3.exceptions import TimeExhausted, TransactionNotFound

from og_core.addresses import checksum
from og_core.amounts import WEI_PER_OG, format_og, parse_og, wei_to_og
from og_core.display import format_utc, short_address
from og_core.errors import (
    ContractRevert,
    NotFoundError,
    OgError,
    ReadOnlyError,
    RpcError,
    RuleError,
    TxTimeoutError,
    WalletBusyError,
)
from og_core.reverts import is_revert_named, revert_from_exception, rpc_error_object
from og_core.rpc_batch import BatchRead
from og_core.types import (
    LedgerView,
    PendingRefund,
    ProviderAccount,
    TxKind,
    TxPlan,
    TxRecord,
    TxResult,
    TxStep,
    WalletActivity,
)

log = logging.getLogger(__name__)

OG = WEI_PER_OG
MIN_LEDGER_WEI = 3 * OG
MIN_FIRST_TRANSFER_WEI = 1 * OG
RECOMMENDED_FIRST_TRANSFER_WEI = 2 * OG  # the provider keeps a 1 OG reserve
PROVIDER_RESERVE_WEI = 1 * OG  # 0G's brokers keep this much of a sub-account locked (docs/protocol.md, admission)
MAX_PROVIDERS_PER_RETRIEVE = 20
MAX_PROVIDERS_PER_SERVICE = 50  # LedgerManager: TooManyProvidersForService
MAX_ACTIVE_REFUNDS = 5  # InferenceServing: TooManyRefunds (per user and provider)
GAS_MARGIN_NUM, GAS_MARGIN_DEN = 13, 10  # estimate × 1.3
GAS_FLOOR = 30_000
FEE_RESERVE_WEI = OG // 100  # leave at least this much in the wallet for gas
# A sent tx the node does not know, whose nonce is still unused, is called dropped only after this
# long: behind a load-balanced RPC the lookup may reach a node the tx has not propagated to yet.
PENDING_GRACE_S = 600.0


# --------------------------------------------------------------------------- per-wallet state
@dataclass
class PendingTx:
    """A sent transaction whose fate is not known yet (receipt timeout or lost send reply)."""

    tx_hash: str
    nonce: int
    sent_at: float  # time.monotonic()
    record: TxRecord
    plan: TxPlan


@dataclass
class WalletState:
    """Process-wide state of one wallet: a lock serializing its transactions, the pending tx after a
    receipt timeout or a lost send reply, and the history. Two sessions with one wallet share it."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    pending: PendingTx | None = None
    history: list[TxRecord] = field(default_factory=list)

    @property
    def pending_hash(self) -> str | None:
        return self.pending.tx_hash if self.pending is not None else None


_wallets_lock = threading.Lock()
_wallets: dict[str, WalletState] = {}


def wallet_state(address: str) -> WalletState:
    with _wallets_lock:
        return _wallets.setdefault(address.lower(), WalletState())


def _rpc_error(exc: BaseException, what: str) -> RpcError:
    return RpcError.from_exception(exc, what)


def _node_refused(exc: BaseException, what: str) -> OgError | None:
    """The node's own refusal (a JSON-RPC error that is not a revert) in words, else None."""
    error = rpc_error_object(exc)
    if error is None:
        return None
    text = str(error.get("message", ""))
    if "insufficient funds" in text.lower():
        return RuleError("Your wallet cannot pay for this transaction and its gas.",
                         "Send OG to this wallet first, then try again. Nothing was spent.", detail=text[:500])
    return RpcError(f"The network refused to {what} the transaction: {text[:200]}",
                    "Nothing was spent. Refresh the page and try again.", detail=text[:500])


def _require_funds(balance: int, value: int, gas_fee: int = 0) -> None:
    """The wallet must cover the value sent plus gas limit × gas price, for every transaction."""
    if balance >= value + gas_fee:
        return
    if not gas_fee:
        need = f"{format_og(value)} plus gas"
    elif value:
        need = f"{format_og(value)} plus about {format_og(gas_fee)} for gas"
    else:
        need = f"about {format_og(gas_fee)} for gas"
    raise RuleError(f"Your wallet has {format_og(balance)}, this transaction needs {need}.",
                    f"Send at least {format_og(value + gas_fee - balance)} to this wallet, then try again. "
                    "Nothing was sent.")


class Transactions:
    """Ledger reads, plans and execution for one wallet (one client)."""

    def __init__(self, web3: Web3, account: Any, ledger_contract: Any, serving_contract: Any,
                 chain_id: int, service_exists: Callable[[str], Any],
                 on_confirmed: Callable[[TxPlan], None] | None = None) -> None:
        self.w3 = web3
        self.account = account
        self.ledger = ledger_contract
        self.serving = serving_contract
        self.chain_id = chain_id
        self._service_exists = service_exists  # raises NotFoundError for an unknown provider
        self._on_confirmed = on_confirmed
        self._service_name: str | None = None
        self._lock_time: int | None = None

    # ------------------------------------------------------------------ reads
    def _addr(self) -> str:
        if self.account is None:
            raise ReadOnlyError("This needs a wallet, but no private key is configured.",
                                "Set PRIVATE_KEY (or pick a demo account on the local network).")
        return self.account.address

    def service_name(self) -> str:
        """The inference service's registered full name (e.g. inference-v1.0), cached once found."""
        if self._service_name is None:
            try:
                info = self.ledger.functions.getServiceInfo(self.serving.address).call()
            except Exception as exc:
                if revert_from_exception(exc) is not None:
                    raise RuleError("The ledger does not know the inference contract.",
                                    "The network's contract addresses look wrong.", detail=str(exc)[:300]) from exc
                raise _rpc_error(exc, "reading the service name") from exc
            if not info[4]:
                raise RuleError("The inference service is not registered in the ledger.",
                                "The network's contract addresses look wrong.")
            self._service_name = str(info[4])
        return self._service_name

    def lock_time(self) -> int:
        if self._lock_time is None:
            try:
                self._lock_time = int(self.serving.functions.lockTime().call())
            except Exception as exc:
                raise _rpc_error(exc, "reading the refund lock time") from exc
        return self._lock_time

    def _ledger_tuple(self, address: str) -> tuple[int, int] | None:
        """(available, total) or None when the wallet has no ledger."""
        try:
            raw = self.ledger.functions.getLedger(address).call()
        except Exception as exc:
            return self._ledger_from(exc)
        return self._ledger_from(raw)

    @staticmethod
    def _ledger_from(raw: Any) -> tuple[int, int] | None:
        """getLedger's answer (or the exception it raised) → (available, total), or None: no ledger."""
        if isinstance(raw, BaseException):
            if is_revert_named(raw, "LedgerNotExists"):
                return None
            raise revert_from_exception(raw) or _rpc_error(raw, "reading your ledger") from raw
        if int(str(raw[0]), 16) == 0:  # a zeroed struct also means "no ledger"
            return None
        return int(raw[1]), int(raw[2])

    def _account(self, address: str, provider: str) -> ProviderAccount | None:
        try:
            raw = self.serving.functions.getAccount(address, provider).call()
        except Exception as exc:
            return self._account_from(exc)
        return self._account_from(raw)

    def _account_from(self, raw: Any) -> ProviderAccount | None:
        """getAccount's answer (or the exception it raised) → the sub-account, or None: there is none."""
        if isinstance(raw, BaseException):
            if is_revert_named(raw, "AccountNotExists"):
                return None
            raise revert_from_exception(raw) or _rpc_error(raw, "reading a provider account") from raw
        lock = self.lock_time()
        refunds = tuple(
            PendingRefund(index=int(r[0]), amount_wei=int(r[1]), created_at=int(r[2]),
                          unlocks_at=int(r[2]) + lock, processed=bool(r[3]))
            for r in raw[5] if not r[3] and int(r[1]) > 0)
        return ProviderAccount(provider=checksum(raw[1]), balance_wei=int(raw[3]),
                               pending_refund_wei=int(raw[4]), acknowledged=bool(raw[7]),
                               generation=int(raw[9]), revoked_bitmap=int(raw[10]), refunds=refunds)

    def _batch(self, what: str, build: Callable[[BatchRead], None]) -> list[Any]:
        batch = BatchRead(self.w3)
        build(batch)
        try:
            return batch.run()
        except Exception as exc:
            raise _rpc_error(exc, what) from exc

    def ledger_view(self) -> LedgerView:
        """Two round trips whatever the number of providers: wallet + ledger + provider list in one
        JSON-RPC batch, then every sub-account in another."""
        address = self._addr()
        lock_time = self.lock_time()  # cached after the first read, like the service name
        try:
            service: str | OgError = self.service_name()
        except OgError as exc:  # matters only when there is a ledger to list providers of
            service = exc

        def first(b: BatchRead) -> None:
            b.balance(address)
            b.call(self.ledger.functions.getLedger(address))
            if isinstance(service, str):
                b.call(self.ledger.functions.getLedgerProviders(address, service))

        wallet_raw, ledger_raw, *addrs = self._batch("reading your ledger", first)
        if isinstance(wallet_raw, BaseException):
            raise _rpc_error(wallet_raw, "reading your wallet balance") from wallet_raw
        ledger = self._ledger_from(ledger_raw)
        providers: list[ProviderAccount] = []
        if ledger is not None:
            if isinstance(service, OgError):
                raise service
            addrs_raw = addrs[0]
            if isinstance(addrs_raw, BaseException):
                raise _rpc_error(addrs_raw, "listing your providers") from addrs_raw
            listed = [checksum(a) for a in addrs_raw]
            answers = self._batch("reading your provider accounts", lambda b: [
                b.call(self.serving.functions.getAccount(address, p)) for p in listed]) if listed else []
            providers = [a for a in map(self._account_from, answers) if a is not None]
        available, total = ledger if ledger is not None else (0, 0)
        return LedgerView(address=address, wallet_balance_wei=int(wallet_raw), exists=ledger is not None,
                          available_wei=available, total_wei=total, providers=tuple(providers),
                          lock_time_s=lock_time, min_ledger_wei=MIN_LEDGER_WEI,
                          min_first_transfer_wei=MIN_FIRST_TRANSFER_WEI)

    def account_state(self, provider: str) -> tuple[tuple[int, int] | None, ProviderAccount | None]:
        """(ledger (available, total) or None, this wallet's sub-account with `provider` or None):
        one round trip (a batch of two view calls), cheaper than `ledger_view` when one provider matters."""
        address = self._addr()
        provider = self._provider_address(provider)
        self.lock_time()  # cached after the first read
        ledger_raw, account_raw = self._batch("reading your ledger", lambda b: [
            b.call(self.ledger.functions.getLedger(address)),
            b.call(self.serving.functions.getAccount(address, provider))])
        ledger = self._ledger_from(ledger_raw)
        if ledger is None:
            return None, None
        return ledger, self._account_from(account_raw)

    def chain_time(self) -> int:
        try:
            return int(self.w3.eth.get_block("latest")["timestamp"])
        except Exception as exc:
            raise _rpc_error(exc, "reading the chain time") from exc

    # ------------------------------------------------------------------ plans
    def _plan(self, kind: TxKind, title: str, amount: int, effects: Sequence[str], warnings: Sequence[str] = (),
              *, contract: str = "ledger", function: str, args: tuple = (), value: int = 0,
              providers: Sequence[str] = (), requested: int = 0) -> TxPlan:
        plan = TxPlan(kind=kind, wallet=self._addr(), title=title, amount_wei=amount, effects=tuple(effects),
                      warnings=tuple(warnings), contract=contract, function=function, args=args,  # type: ignore[arg-type]
                      value_wei=value, providers=tuple(providers), requested_wei=requested)
        return replace(plan, gas_fee_wei=self._gas_fee_estimate(plan))

    def _gas_fee_estimate(self, plan: TxPlan) -> int | None:
        """What the gas will cost, for the confirmation dialog: estimate × price, once per plan. None when
        the node cannot say now (execute's own pre-flight then says why, before anything is sent)."""
        try:
            gas = int(self._function(plan).estimate_gas({"from": plan.wallet, "value": plan.value_wei}))
            return gas * int(self.w3.eth.gas_price)
        except Exception:  # an estimate is a courtesy: never a reason to refuse the plan
            log.debug("gas estimate for %s unavailable", plan.function, exc_info=True)
            return None

    def _check_wallet_covers(self, value: int) -> None:
        try:
            wallet = int(self.w3.eth.get_balance(cast(ChecksumAddress, self._addr())))
        except Exception as exc:
            raise _rpc_error(exc, "reading your wallet balance") from exc
        if wallet < value + FEE_RESERVE_WEI:
            raise RuleError(f"Your wallet holds {format_og(wallet)}, not enough for {format_og(value)} plus gas.",
                            "Send OG to this wallet first, or use a smaller amount.")

    def plan_deposit(self, amount_og: str) -> TxPlan:
        amount = parse_og(amount_og)
        address = self._addr()
        self._check_wallet_covers(amount)
        ledger = self._ledger_tuple(address)
        if ledger is None:
            if amount < MIN_LEDGER_WEI:
                raise RuleError(f"A new ledger needs at least {format_og(MIN_LEDGER_WEI)}; "
                                f"{format_og(amount)} is too little.", f"Deposit at least {format_og(MIN_LEDGER_WEI)}.")
            return self._plan(TxKind.CREATE_LEDGER, f"Create your ledger with {format_og(amount)}", amount,
                              [f"{format_og(amount)} moves from your wallet into a new ledger (available balance).",
                               "From there you can fund providers."],
                              function="addLedger", args=("",), value=amount)
        return self._plan(TxKind.DEPOSIT, f"Deposit {format_og(amount)} into your ledger", amount,
                          [f"{format_og(amount)} moves from your wallet into your ledger's available balance "
                           f"({format_og(ledger[0])} → {format_og(ledger[0] + amount)})."],
                          function="depositFund", value=amount)

    def plan_withdraw(self, amount_og: str) -> TxPlan:
        amount = parse_og(amount_og)
        ledger = self._ledger_tuple(self._addr())
        if ledger is None:
            raise RuleError("You have no ledger, so there is nothing to withdraw.", "Deposit OG first.")
        available, total = ledger
        if amount > available:
            locked = total - available
            hint = ("Retrieve funds from providers first (two steps, with a lock time)." if locked
                    else "Withdraw at most the available balance.")
            raise RuleError(f"Only {format_og(available)} is available to withdraw; {format_og(amount)} was asked.",
                            hint)
        remaining = available - amount
        if 0 < remaining < MIN_LEDGER_WEI:
            raise RuleError(f"After this withdrawal {format_og(remaining)} would remain available; the ledger must "
                            f"keep 0 or at least {format_og(MIN_LEDGER_WEI)}.",
                            f"Withdraw {format_og(available)} (everything) or at most "
                            f"{format_og(max(0, available - MIN_LEDGER_WEI))}.")
        warnings = []
        if remaining == 0 and total == available:
            warnings.append("This empties the ledger: it and all provider sub-accounts are deleted. "
                            "Using providers again means creating a ledger (≥ 3 OG) and funding them again.")
        return self._plan(TxKind.WITHDRAW, f"Withdraw {format_og(amount)} to your wallet", amount,
                          [f"{format_og(amount)} moves from the ledger's available balance back to your wallet "
                           f"(available {format_og(available)} → {format_og(remaining)})."], warnings,
                          function="refund", args=(amount,))

    def plan_fund_provider(self, provider: str, amount_og: str) -> TxPlan:
        amount = parse_og(amount_og)
        address = self._addr()
        provider = self._provider_address(provider)
        self._service_exists(provider)
        ledger = self._ledger_tuple(address)
        if ledger is None:
            raise RuleError("You have no ledger yet, so there is nothing to fund a provider from.",
                            f"Deposit at least {format_og(MIN_LEDGER_WEI)} on the Wallet page first.")
        available = ledger[0]
        if amount > available:
            raise RuleError(f"Only {format_og(available)} is available in your ledger; {format_og(amount)} was asked.",
                            f"Deposit at least {format_og(amount - available)} more first.")
        acct = self._account(address, provider)
        effects: list[str] = []
        warnings: list[str] = []
        if acct is None:
            self._check_room_for_provider(address)
            if amount < MIN_FIRST_TRANSFER_WEI:
                raise RuleError(f"The first transfer to a provider must be at least {format_og(MIN_FIRST_TRANSFER_WEI)}.",
                                f"Fund it with at least {format_og(RECOMMENDED_FIRST_TRANSFER_WEI)} "
                                "(the provider keeps a 1 OG reserve).")
            effects.append(f"Opens a sub-account with provider {short_address(provider)} holding {format_og(amount)}.")
            effects.append("This first transfer also acknowledges the provider, so it will accept your requests.")
            if amount < RECOMMENDED_FIRST_TRANSFER_WEI:
                warnings.append("The provider keeps 1 OG in reserve, so with this amount it serves about one request. "
                                f"Consider {format_og(RECOMMENDED_FIRST_TRANSFER_WEI)} or more.")
        else:
            cancel = min(acct.pending_refund_wei, amount)
            if cancel:
                effects.append(f"First cancels {format_og(cancel)} of pending refunds from this provider "
                               "(that money stays with the provider).")
            if amount - cancel:
                effects.append(f"Moves {format_og(amount - cancel)} from your ledger to provider {short_address(provider)}.")
            if not acct.acknowledged:
                warnings.append("You have not acknowledged this provider; the provider may refuse requests.")
        effects.append(f"Ledger available balance: {format_og(available)} → "
                       f"{format_og(available - (amount - (min(acct.pending_refund_wei, amount) if acct else 0)))}.")
        return self._plan(TxKind.FUND_PROVIDER, f"Fund provider {short_address(provider)} with {format_og(amount)}", amount,
                          effects, warnings, function="transferFund",
                          args=(provider, self.service_name(), amount), providers=(provider,))

    def _check_room_for_provider(self, address: str) -> None:
        """TooManyProvidersForService, in words before the pre-flight: a new sub-account needs a free slot."""
        try:
            count = len(self.ledger.functions.getLedgerProviders(address, self.service_name()).call())
        except OgError:
            raise
        except Exception as exc:
            raise _rpc_error(exc, "listing your providers") from exc
        if count >= MAX_PROVIDERS_PER_SERVICE:
            raise RuleError(f"You already use {count} providers for this service; the contract allows at most "
                            f"{MAX_PROVIDERS_PER_SERVICE}, so a new one cannot be added.",
                            "Fund one of the providers you already use instead.")

    @staticmethod
    def _check_refund_slots(acct: ProviderAccount, queue: int, still_locked: Sequence[PendingRefund]) -> None:
        """TooManyRefunds, in words before the pre-flight: retrieveFund collects the unlocked refunds,
        then queues a new one only if a slot is free."""
        if queue <= 0 or len(still_locked) < MAX_ACTIVE_REFUNDS:
            return
        first = min(r.unlocks_at for r in still_locked)
        raise RuleError(f"Provider {short_address(acct.provider)} already has {len(still_locked)} refunds waiting for the "
                        f"lock time; the contract allows at most {MAX_ACTIVE_REFUNDS}, so no new one can be queued.",
                        f"Run Retrieve again after {format_utc(first)}, when the oldest one unlocks, or leave this "
                        "provider out of the selection.")

    def plan_retrieve(self, providers: Sequence[str] | None = None) -> TxPlan:
        view = self.ledger_view()
        if not view.exists:
            raise RuleError("You have no ledger, so there is nothing to retrieve.", "Deposit OG first.")
        if providers is None:
            chosen = [p for p in view.providers if p.balance_wei > 0]
        else:
            wanted = [self._provider_address(p) for p in providers]
            chosen = []
            for p in wanted:
                acct = view.provider(p)
                if acct is None:
                    raise RuleError(f"You have no sub-account with provider {short_address(p)}.", "Pick one of your providers.")
                chosen.append(acct)
        if not chosen:
            raise RuleError("No provider holds any of your funds.", "There is nothing to retrieve.")
        warnings = []
        if len(chosen) > MAX_PROVIDERS_PER_RETRIEVE:
            if providers is not None:
                raise RuleError(f"{len(chosen)} providers were selected; one transaction handles at most "
                                f"{MAX_PROVIDERS_PER_RETRIEVE}.", "Select fewer providers.")
            warnings.append(f"Only the first {MAX_PROVIDERS_PER_RETRIEVE} providers are included; "
                            "run it again for the rest.")
            chosen = chosen[:MAX_PROVIDERS_PER_RETRIEVE]
        now = self.chain_time()
        effects = []
        collect_total = requested = 0
        for acct in chosen:
            unlocked = sum(r.amount_wei for r in acct.refunds if r.unlocks_at <= now)
            still_locked = [r for r in acct.refunds if r.unlocks_at > now]
            queue = acct.balance_wei - acct.pending_refund_wei
            self._check_refund_slots(acct, queue, still_locked)
            collect_total += unlocked
            requested += max(queue, 0)
            parts = []
            if unlocked:
                parts.append(f"collects {format_og(unlocked)} of unlocked refunds back to your available balance")
            if queue > 0:
                parts.append(f"queues a refund of {format_og(queue)}, collectable after "
                             f"{_duration(view.lock_time_s)} (run Retrieve again then)")
            if still_locked:
                first = min(r.unlocks_at for r in still_locked)
                parts.append(f"{format_og(sum(r.amount_wei for r in still_locked))} stays locked until "
                             f"{format_utc(first)}")
            effects.append(f"Provider {short_address(acct.provider)}: " + ("; ".join(parts) or "nothing to do") + ".")
        addrs = tuple(a.provider for a in chosen)
        title = (f"Retrieve funds from {len(addrs)} provider{'s' if len(addrs) > 1 else ''}"
                 + (f" ({format_og(collect_total)} collectable now)" if collect_total else ""))
        return self._plan(TxKind.RETRIEVE, title, collect_total, effects, warnings, function="retrieveFund",
                          args=(list(addrs), self.service_name()), providers=addrs, requested=requested)

    def plan_top_up(self, provider: str, *, target_og: str, cap_og: str, unsettled_wei: int) -> TxPlan | None:
        target, cap = parse_og(target_og, field="Target"), parse_og(cap_og, field="Cap")
        provider = self._provider_address(provider)
        acct = self._account(self._addr(), provider)
        usable = acct.usable_wei if acct else 0
        need = target + unsettled_wei - usable
        if need <= 0:
            return None
        if acct is None:
            need = max(need, MIN_FIRST_TRANSFER_WEI)
        amount = min(need, cap)
        if acct is None and amount < MIN_FIRST_TRANSFER_WEI:
            raise RuleError(f"The cap of {format_og(cap)} is below the {format_og(MIN_FIRST_TRANSFER_WEI)} a first "
                            "transfer needs.", "Raise the cap.")
        plan = self.plan_fund_provider(provider, str(wei_to_og(amount)))
        if amount < need:
            from dataclasses import replace

            plan = replace(plan, warnings=plan.warnings + (
                f"Capped at {format_og(cap)}; {format_og(need)} would reach the target.",))
        return plan

    def plan_revoke_token(self, provider: str, token_id: int) -> TxPlan:
        provider = self._provider_address(provider)
        if not 0 <= int(token_id) <= 254:
            raise RuleError(f"API key id {token_id} is out of range.", "Use an id from 0 to 254.")
        if self._account(self._addr(), provider) is None:
            raise RuleError(f"You have no account with provider {short_address(provider)}, so no key to revoke.",
                            "Nothing to do: keys only exist for providers you have funded.")
        return self._plan(TxKind.REVOKE_TOKEN, f"Revoke API key #{token_id} for provider {short_address(provider)}", 0,
                          [f"The provider will refuse API key #{token_id} from now on.",
                           "Your other keys and this app's session keep working."],
                          contract="inference", function="revokeToken", args=(provider, int(token_id)),
                          providers=(provider,))

    def plan_revoke_all_tokens(self, provider: str) -> TxPlan:
        provider = self._provider_address(provider)
        if self._account(self._addr(), provider) is None:
            raise RuleError(f"You have no account with provider {short_address(provider)}, so no token to revoke.",
                            "Nothing to do: tokens only work for providers you have funded.")
        return self._plan(TxKind.REVOKE_ALL_TOKENS, f"Revoke every token for provider {short_address(provider)}", 0,
                          ["Every API key and session token for this provider stops working.",
                           "This app signs a fresh session token automatically for your next request."],
                          contract="inference", function="revokeAllTokens", args=(provider,), providers=(provider,))

    @staticmethod
    def _provider_address(provider: str) -> str:
        try:
            return checksum(provider)
        except ValueError:
            raise NotFoundError(f"“{str(provider)[:60]}” is not a provider address.",
                                "Pick a provider from the Discover page.") from None

    # ------------------------------------------------------------------ execution
    def busy_reason(self) -> str | None:
        if self.account is None:
            return None
        state = wallet_state(self.account.address)
        pending = state.pending
        if pending is not None and self._still_pending(state, pending):
            return (f"Waiting for transaction {pending.tx_hash} (nonce {pending.nonce}) to be confirmed "
                    "or dropped.")
        return None

    def activity(self) -> WalletActivity:
        """In memory only (no chain call): safe to ask on every page run."""
        if self.account is None:
            return WalletActivity(sending=False, record=None)
        state = wallet_state(self.account.address)
        sending = state.lock.locked()
        pending = state.pending
        record = pending.record if pending is not None else None
        if record is None and sending:  # the tx being sent now; a "pending" record without the lock is stale
            record = next((r for r in reversed(state.history) if r.status == "pending"), None)
        return WalletActivity(sending=sending, record=record)

    def _still_pending(self, state: WalletState, pending: PendingTx) -> bool:
        """True while the pending tx's fate is unknown; records the outcome and unblocks once known."""
        outcome = self._lookup(pending)
        if outcome is None:
            return True
        pending.record.status = outcome  # type: ignore[assignment]
        if state.pending is pending:
            state.pending = None
        if outcome == "confirmed" and self._on_confirmed is not None:
            self._on_confirmed(pending.plan)
        return False

    def _lookup(self, pending: PendingTx) -> str | None:
        """"confirmed" / "reverted" / "dropped", or None while unknown. A failed read proves nothing,
        so it keeps the wallet busy rather than calling a possibly mined deposit dropped."""
        fate = self._chain_fate(pending)
        if fate != "unknown":
            return None if fate == "known" else fate
        if time.monotonic() - pending.sent_at >= PENDING_GRACE_S:
            return "dropped"  # never seen, nonce still free: it did not reach the network
        return None

    def _chain_fate(self, pending: PendingTx) -> str:
        """What the chain says now about a sent tx: "confirmed" / "reverted" (mined), "known" (the node
        holds it, not mined yet), "dropped" (its nonce went to another tx), or "unknown" (no trace,
        nonce still free — or the lookup itself failed)."""
        try:
            outcome = self._receipt_outcome(pending.tx_hash)
            if outcome is not None:
                return outcome
            if self._node_knows(pending.tx_hash):
                return "known"
            used = int(self.w3.eth.get_transaction_count(cast(ChecksumAddress, pending.plan.wallet), "latest"))
            if used > pending.nonce:  # the nonce went to a tx: ours (mined meanwhile) or another
                return self._receipt_outcome(pending.tx_hash) or "dropped"
        except Exception as exc:  # noqa: BLE001 - any read failure proves nothing
            log.info("could not look up sent tx %s: %s", pending.tx_hash, exc)
        return "unknown"

    def _receipt_outcome(self, tx_hash: str) -> str | None:
        try:
            receipt = self.w3.eth.get_transaction_receipt(cast(HexStr, tx_hash))
        except TransactionNotFound:
            return None
        return "confirmed" if receipt["status"] == 1 else "reverted"

    def _node_knows(self, tx_hash: str) -> bool:
        try:
            self.w3.eth.get_transaction(cast(HexStr, tx_hash))
        except TransactionNotFound:
            return False
        return True

    def _function(self, plan: TxPlan) -> Any:
        contract = self.ledger if plan.contract == "ledger" else self.serving
        return getattr(contract.functions, plan.function)(*plan.args)

    def execute(self, plan: TxPlan, progress: Callable[[TxStep, str], None] | None = None, *,
                receipt_timeout_s: float = 120.0) -> TxResult:
        address = self._addr()
        if plan.wallet.lower() != address.lower():
            raise RuleError("This plan was made for another wallet.", "Plan the transaction again.")
        report = progress or (lambda step, text: None)
        state = wallet_state(address)
        with state.lock:
            report(TxStep.CHECKING, "Checking the rules and your balances…")
            pending = state.pending
            if pending is not None and self._still_pending(state, pending):
                raise WalletBusyError(f"An earlier transaction ({pending.tx_hash}) is still pending.",
                                      "Wait until it is confirmed or dropped; nothing new was sent.")
            balance = self._wallet_balance(address)
            _require_funds(balance, plan.value_wei)  # an eth_call carrying more value than held fails
            fn = self._function(plan)
            params: dict[str, Any] = {"from": address, "value": plan.value_wei}
            report(TxStep.SIMULATING, "Simulating the transaction on the current chain state…")
            gas_limit = self._simulate(fn, params, report)
            gas_price = self._gas_price()
            _require_funds(balance, plan.value_wei, gas_limit * gas_price)
            report(TxStep.SIGNING, "Signing…")
            signed, nonce = self._sign(fn, params, gas_limit, gas_price)
            tx_hash = Web3.to_hex(signed.hash)  # known before sending: a lost reply still leaves a trace
            record = TxRecord(kind=plan.kind, what=plan.title, amount_wei=plan.amount_wei, tx_hash=tx_hash,
                              status="pending", time=time.time(), detail=f"nonce {nonce}",
                              requested_wei=plan.requested_wei, providers=plan.providers)
            state.history.append(record)
            sent = PendingTx(tx_hash, nonce, time.monotonic(), record, plan)
            receipt = self._send(state, sent, signed, report)
            if receipt is None:
                report(TxStep.SENT, f"Sent {tx_hash}; waiting for confirmation…")
                receipt = self._wait(state, sent, receipt_timeout_s, report)
            if receipt["status"] != 1:
                record.status = "reverted"
                report(TxStep.FAILED, "The transaction was mined but reverted.")
                raise ContractRevert(f"Transaction {tx_hash} was mined but the contract reverted it; gas was spent.",
                                     "The chain state changed since the check; refresh and try again.",
                                     name="reverted", detail=tx_hash)
            record.status = "confirmed"
        if self._on_confirmed is not None:
            self._on_confirmed(plan)
        message = f"{plan.title}: confirmed in block {receipt['blockNumber']}."
        report(TxStep.CONFIRMED, message)
        return TxResult(plan=plan, tx_hash=tx_hash, status="confirmed", block_number=int(receipt["blockNumber"]),
                        gas_used=int(receipt["gasUsed"]), message=message)

    def _wallet_balance(self, address: str) -> int:
        try:
            return int(self.w3.eth.get_balance(cast(ChecksumAddress, address)))
        except Exception as exc:
            raise _rpc_error(exc, "reading your wallet balance") from exc

    def _gas_price(self) -> int:
        try:
            return int(self.w3.eth.gas_price)
        except Exception as exc:
            raise _rpc_error(exc, "reading the gas price") from exc

    def _simulate(self, fn: Any, params: dict[str, Any], report: Callable[[TxStep, str], None]) -> int:
        """eth_call pre-flight (a revert comes back decoded, nothing spent), then the gas limit."""
        try:
            fn.call(params)
            gas = fn.estimate_gas(params)
        except Exception as exc:
            revert = revert_from_exception(exc)
            if revert is not None:
                report(TxStep.FAILED, revert.message)
                revert.hint = (revert.hint + " Nothing was sent or spent.").strip()
                raise revert from exc
            raise _node_refused(exc, "simulate") or _rpc_error(exc, "simulating the transaction") from exc
        return max(GAS_FLOOR, int(gas) * GAS_MARGIN_NUM // GAS_MARGIN_DEN)

    def _sign(self, fn: Any, params: dict[str, Any], gas_limit: int, gas_price: int) -> tuple[Any, int]:
        try:
            nonce = int(self.w3.eth.get_transaction_count(params["from"], "pending"))
            tx = fn.build_transaction({**params, "gas": gas_limit, "gasPrice": gas_price, "nonce": nonce,
                                       "chainId": self.chain_id})
            return self.account.sign_transaction(tx), nonce
        except Exception as exc:
            raise _rpc_error(exc, "preparing the transaction") from exc

    def _send(self, state: WalletState, pending: PendingTx, signed: Any,
              report: Callable[[TxStep, str], None]) -> Any | None:
        """Send once (the RPC layer never re-sends, og_core.networks). Once the signed tx may have
        reached the network, its fate comes from the chain only, never from an error's text: a lost
        reply, a timeout, even "nonce too low" or "already known" (our own tx, sent twice by some
        layer) all mean: look the hash up. Returns the receipt when the lookup finds it mined, None
        after a plain successful send."""
        try:
            self.w3.eth.send_raw_transaction(signed.raw_transaction)
            return None
        except Exception as exc:
            failure = exc
        fate = self._chain_fate(pending)
        if fate in ("confirmed", "reverted"):
            try:
                return self.w3.eth.get_transaction_receipt(cast(HexStr, pending.tx_hash))
            except Exception as exc:  # noqa: BLE001 - mined, but unreadable now: pending, looked up later
                log.info("could not read the receipt of %s: %s", pending.tx_hash, exc)
        answer = rpc_error_object(failure)
        said = f"The network answered: {str(answer.get('message', ''))[:200]}. " if answer else ""
        detail = f"{type(failure).__name__}: {failure}"[:500]
        if fate == "dropped":  # its nonce went to another transaction: this one can never be mined
            pending.record.status = "dropped"
            pending.record.detail = f"nonce {pending.nonce} used by another transaction"
            report(TxStep.FAILED, "The network did not take the transaction.")
            raise RpcError(f"Transaction {pending.tx_hash} was not taken: its nonce ({pending.nonce}) was used by "
                           f"another transaction from this wallet (another app or tab?). {said}".strip(),
                           "This one spent nothing, as the chain shows. Refresh the page to see your balances, "
                           "then try again if it is still needed.", detail=detail) from failure
        state.pending = pending  # "known" or no trace yet: never re-send, block until the chain tells
        report(TxStep.FAILED, "No clear answer from the network after sending.")
        raise TxTimeoutError(f"Transaction {pending.tx_hash} is pending: it was sent, but the network's reply "
                             f"was lost, so it may still go through. {said}".strip(),
                             "Wait and refresh the Wallet page; it will not be sent again, and new transactions "
                             "wait until this one is confirmed or dropped.",
                             tx_hash=pending.tx_hash, detail=detail) from failure

    def _wait(self, state: WalletState, pending: PendingTx, timeout_s: float,
              report: Callable[[TxStep, str], None]) -> Any:
        try:
            return self.w3.eth.wait_for_transaction_receipt(cast(HexStr, pending.tx_hash), timeout=timeout_s, poll_latency=0.2)
        except Exception as exc:  # TimeExhausted or a read failure: it may still land
            state.pending = pending
            why = (f"not confirmed within {timeout_s:g} s" if isinstance(exc, TimeExhausted)
                   else "its confirmation could not be read")
            report(TxStep.FAILED, f"Transaction is pending: {why}.")
            raise TxTimeoutError(f"Transaction {pending.tx_hash} is pending: it was sent but {why}. "
                                 "It may still go through.",
                                 "Wait and refresh the Wallet page; it will not be sent again.",
                                 tx_hash=pending.tx_hash, detail=f"{type(exc).__name__}: {exc}"[:500]) from exc

    def history(self) -> list[TxRecord]:
        if self.account is None:
            return []
        return list(reversed(wallet_state(self.account.address).history))


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds >= 60:
        return f"{seconds // 60} min"
    return f"{seconds} s"

