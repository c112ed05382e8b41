"""Transaction plans: each builder checks the protocol's rules against the chain as it is now and says,
in words, what the transaction will do (effects) and what to watch (warnings). Nothing is sent here:
a plan goes to the confirmation dialog, then to og_core.tx_sender.

Plans are built from the SDK's contract objects and sent with eth_estimateGas × margin — never with the
SDK's write methods, whose fixed gas limits fail on the official contracts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from og_core.accounts import PendingRefund, ProviderAccount
from og_core.amounts import format_balance, format_og, parse_og, wei_to_og
from og_core.display import format_utc, short_address
from og_core.errors import OgError, RpcError, RuleError
from og_core.ledger import LedgerReads, provider_address
from og_core.protocol import (
    MAX_ACTIVE_REFUNDS,
    MAX_PROVIDERS_PER_RETRIEVE,
    MAX_PROVIDERS_PER_SERVICE,
    MAX_TOKEN_ID,
    MIN_FIRST_TRANSFER_WEI,
    MIN_LEDGER_WEI,
    OG,
    PROVIDER_RESERVE_WEI,
    RECOMMENDED_FIRST_TRANSFER_WEI,
)
from og_core.readiness import top_up_to_usable, usable_wei
from og_core.transactions import TxKind, TxPlan

log = logging.getLogger(__name__)

FEE_RESERVE_WEI = OG // 100  # a deposit leaves at least this much in the wallet for gas


class TxPlanner:
    """Plans for one wallet (one client)."""

    def __init__(self, reads: LedgerReads, service_exists: Callable[[str], Any]) -> None:
        self.reads = reads
        self._service_exists = service_exists  # raises NotFoundError for an unknown provider

    def _plan(self, kind: TxKind, title: str, amount: int, effects: Sequence[str], warnings: Sequence[str] = (),
              *, contract: str = "ledger", function: str, args: tuple = (), value: int = 0,
              providers: Sequence[str] = (), requested: int = 0) -> TxPlan:
        plan = TxPlan(kind=kind, wallet=self.reads.address(), title=title, amount_wei=amount, effects=tuple(effects),
                      warnings=tuple(warnings), contract=contract, function=function, args=args,  # type: ignore[arg-type]
                      value_wei=value, providers=tuple(providers), requested_wei=requested)
        return replace(plan, gas_fee_wei=self._gas_fee_estimate(plan))

    def _gas_fee_estimate(self, plan: TxPlan) -> int | None:
        """What the gas will cost, for the confirmation dialog: estimate × price, once per plan. None when
        the node cannot say now (execute's own pre-flight then says why, before anything is sent)."""
        try:
            gas = int(self.reads.function(plan).estimate_gas({"from": plan.wallet, "value": plan.value_wei}))
            return gas * int(self.reads.gas_price())
        except Exception:  # an estimate is a courtesy: never a reason to refuse the plan
            log.debug("gas estimate for %s unavailable", plan.function, exc_info=True)
            return None

    def _check_wallet_covers(self, value: int) -> None:
        wallet = self.reads.wallet_balance()
        if wallet < value + FEE_RESERVE_WEI:
            raise RuleError(f"Your wallet holds {format_og(wallet)}, not enough for {format_og(value)} plus gas.",
                            "Send OG to this wallet first, or use a smaller amount.")

    def plan_deposit(self, amount_og: str) -> TxPlan:
        amount = parse_og(amount_og)
        address = self.reads.address()
        self._check_wallet_covers(amount)
        ledger = self.reads.ledger_tuple(address)
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
        ledger = self.reads.ledger_tuple(self.reads.address())
        if ledger is None:
            raise RuleError("You have no ledger, so there is nothing to withdraw.", "Deposit OG first.")
        available, total = ledger
        if amount > available:
            locked = total - available
            hint = ("Request a refund from your providers first, then collect it after the lock time "
                    "(Wallet → Refunds)." if locked
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

    def plan_fund_provider(self, provider: str, amount_og: str, *, unsettled_wei: int | None = None) -> TxPlan:
        """unsettled_wei: the provider's fees not settled yet (None: not known), for the usable balance
        the plan says the transfer leaves."""
        amount = parse_og(amount_og)
        address = self.reads.address()
        provider = provider_address(provider)
        self._service_exists(provider)
        ledger = self.reads.ledger_tuple(address)
        if ledger is None:
            raise RuleError("You have no ledger yet, so there is nothing to fund a provider from.",
                            f"Deposit at least {format_og(MIN_LEDGER_WEI)} on the Wallet page first.")
        available = ledger[0]
        if amount > available:
            raise RuleError(f"Only {format_og(available)} is available in your ledger; {format_og(amount)} was asked.",
                            f"Deposit at least {format_og(amount - available)} more first.")
        acct = self.reads.provider_account(address, provider)
        if acct is None:
            self._check_new_provider(address, amount)
        return self._fund_plan(provider, amount, acct, available, unsettled_wei)

    def plan_setup(self, provider: str, fund_og: str, deposit_og: str | None = None, *,
                   unsettled_wei: int | None = None) -> TxPlan:
        """Everything missing before `provider` can be paid, as one plan for one confirmation: create
        the ledger with `deposit_og` (default: the minimum, or the transfer if larger) — or, when the
        ledger holds less than the transfer, deposit the difference — then fund the provider with
        `fund_og`. When nothing but the transfer is missing, that transfer's own plan."""
        fund = parse_og(fund_og, field="Amount for the provider")
        address = self.reads.address()
        provider = provider_address(provider)
        self._service_exists(provider)
        ledger = self.reads.ledger_tuple(address)
        available = ledger[0] if ledger is not None else 0
        if ledger is not None and fund <= available:
            return self.plan_fund_provider(provider, fund_og, unsettled_wei=unsettled_wei)
        acct = self.reads.provider_account(address, provider) if ledger is not None else None
        if acct is None:
            self._check_new_provider(address, fund, room=ledger is not None)  # no ledger: no provider yet
            unsettled_wei = 0  # no account, no fees
        if ledger is None:
            deposit = parse_og(deposit_og, field="Ledger deposit") if deposit_og else max(MIN_LEDGER_WEI, fund)
            if deposit < fund:
                raise RuleError(f"The ledger deposit ({format_og(deposit)}) is less than the {format_og(fund)} "
                                "for the provider, which comes out of it.", f"Deposit at least {format_og(fund)}.")
        else:
            deposit = fund - available
        first = self.plan_deposit(str(wei_to_og(deposit)))  # addLedger, or depositFund of the difference
        second = self._fund_plan(provider, fund, acct, available + deposit, unsettled_wei)
        what = "Create your ledger with" if ledger is None else "Deposit"
        return TxPlan(kind=TxKind.SETUP, wallet=address, title=f"{what} {format_og(deposit)} and fund provider "
                      f"{short_address(provider)} with {format_og(fund)}", amount_wei=deposit,
                      effects=(f"{format_og(deposit)} leaves your wallet; {format_og(fund)} of it goes to the provider.",
                               "Two transactions, sent one after the other: you confirm once, here."),
                      warnings=tuple(first.warnings) + tuple(second.warnings), providers=(provider,),
                      steps=(first, second))

    def _check_new_provider(self, address: str, amount: int, *, room: bool = True) -> None:
        """A first transfer to a provider: a free slot (`room`: look it up), and at least the minimum."""
        if room:
            self._check_room_for_provider(address)
        if amount < MIN_FIRST_TRANSFER_WEI:
            raise RuleError(f"The first transfer to a provider must be at least {format_og(MIN_FIRST_TRANSFER_WEI)}.",
                            f"Fund it with at least {format_og(RECOMMENDED_FIRST_TRANSFER_WEI)} "
                            "(the provider keeps a 1 OG reserve).")

    def _fund_plan(self, provider: str, amount: int, acct: ProviderAccount | None, available: int,
                   unsettled_wei: int | None) -> TxPlan:
        """The transfer of `amount` to `provider` (rules already checked), said from the ledger's
        `available` balance before it."""
        effects: list[str] = []
        warnings: list[str] = []
        if acct is None:
            effects.append(f"Opens a sub-account with provider {short_address(provider)} holding {format_og(amount)}.")
            effects.append("This first transfer also acknowledges the provider, so it will accept your requests.")
        else:
            cancel = min(acct.pending_refund_wei, amount)
            if cancel:
                effects.append(f"First cancels {format_og(cancel)} of pending refunds from this provider "
                               "(that money stays with the provider).")
            if amount - cancel:
                effects.append(f"Moves {format_og(amount - cancel)} from your ledger to provider {short_address(provider)}.")
            if not acct.acknowledged:
                warnings.append("You have not acknowledged this provider; the provider may refuse requests.")
        held = acct.held_wei if acct else 0
        after = usable_wei(held + amount, pending_refund_wei=0, unsettled_wei=unsettled_wei)
        fees = (" − any fees it has not settled yet" if unsettled_wei is None else
                f" − {format_og(unsettled_wei, 8)} of fees it has not settled yet" if unsettled_wei else "")
        effects.append(f"Usable for requests afterwards: {format_balance(after)} (what it holds for you − the "
                       f"{format_og(PROVIDER_RESERVE_WEI)} it keeps in reserve{fees}).")
        if after == 0:
            enough = top_up_to_usable(held, unsettled_wei)
            warnings.append(f"The provider keeps {format_og(PROVIDER_RESERVE_WEI)} in reserve, so after this transfer "
                            f"nothing is left for requests: fund it with {format_og(enough)} instead, which leaves "
                            f"{format_og(held + enough - PROVIDER_RESERVE_WEI - (unsettled_wei or 0))} usable.")
        effects.append(f"Ledger available balance: {format_balance(available)} → "
                       f"{format_balance(available - (amount - (min(acct.pending_refund_wei, amount) if acct else 0)))}.")
        return self._plan(TxKind.FUND_PROVIDER, f"Fund provider {short_address(provider)} with {format_og(amount)}", amount,
                          effects, warnings, function="transferFund",
                          args=(provider, self.reads.service_name(), amount), providers=(provider,))

    def _check_room_for_provider(self, address: str) -> None:
        """TooManyProvidersForService, in words before the pre-flight: a new sub-account needs a free slot."""
        try:
            count = len(self.reads.ledger.functions.getLedgerProviders(address, self.reads.service_name()).call())
        except OgError:
            raise
        except Exception as exc:
            raise RpcError.from_exception(exc, "listing your providers") from exc
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
                        f"Collect unlocked refunds after {format_utc(first)}, when the oldest one unlocks, then "
                        "Request refund again; or leave this provider out of the selection.")

    def plan_retrieve(self, providers: Sequence[str] | None = None) -> TxPlan:
        view = self.reads.ledger_view()
        if not view.exists:
            raise RuleError("You have no ledger, so there is nothing to refund.", "Deposit OG first.")
        if providers is None:
            chosen = [p for p in view.providers if p.balance_wei > 0]
        else:
            wanted = [provider_address(p) for p in providers]
            chosen = []
            for p in wanted:
                acct = view.provider(p)
                if acct is None:
                    raise RuleError(f"You have no sub-account with provider {short_address(p)}.", "Pick one of your providers.")
                chosen.append(acct)
        if not chosen:
            raise RuleError("No provider holds any of your funds.", "There is nothing to refund.")
        warnings = []
        if len(chosen) > MAX_PROVIDERS_PER_RETRIEVE:
            if providers is not None:
                raise RuleError(f"{len(chosen)} providers were selected; one transaction handles at most "
                                f"{MAX_PROVIDERS_PER_RETRIEVE}.", "Select fewer providers.")
            warnings.append(f"Only the first {MAX_PROVIDERS_PER_RETRIEVE} providers are included; "
                            "run it again for the rest.")
            chosen = chosen[:MAX_PROVIDERS_PER_RETRIEVE]
        now = self.reads.chain_time()
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
                parts.append(f"collects {format_balance(unlocked)} of unlocked refunds back to your available balance")
            if queue > 0:
                parts.append(f"requests a refund of {format_balance(queue)}, collectable after "
                             f"{_duration(view.lock_time_s)} (then press Collect unlocked refunds)")
            if still_locked:
                first = min(r.unlocks_at for r in still_locked)
                parts.append(f"{format_balance(sum(r.amount_wei for r in still_locked))} stays locked until "
                             f"{format_utc(first)}")
            effects.append(f"Provider {short_address(acct.provider)}: " + ("; ".join(parts) or "nothing to do") + ".")
        addrs = tuple(a.provider for a in chosen)
        title = _refund_title(len(addrs), collect_total, requested)
        return self._plan(TxKind.RETRIEVE, title, collect_total, effects, warnings, function="retrieveFund",
                          args=(list(addrs), self.reads.service_name()), providers=addrs, requested=requested)

    def plan_top_up(self, provider: str, *, target_og: str, cap_og: str, unsettled_wei: int) -> TxPlan | None:
        target, cap = parse_og(target_og, field="Target"), parse_og(cap_og, field="Cap")
        provider = provider_address(provider)
        acct = self.reads.provider_account(self.reads.address(), provider)
        # the target is what stays usable for requests: the reserve and unsettled fees come on top
        need = target + PROVIDER_RESERVE_WEI + unsettled_wei - (acct.held_wei if acct else 0)
        if need <= 0:
            return None
        if acct is None:
            need = max(need, MIN_FIRST_TRANSFER_WEI)
        amount = min(need, cap)
        if acct is None and amount < MIN_FIRST_TRANSFER_WEI:
            raise RuleError(f"The cap of {format_og(cap)} is below the {format_og(MIN_FIRST_TRANSFER_WEI)} a first "
                            "transfer needs.", "Raise the cap.")
        plan = self.plan_fund_provider(provider, str(wei_to_og(amount)), unsettled_wei=unsettled_wei)
        if amount < need:
            plan = replace(plan, warnings=plan.warnings + (
                f"Capped at {format_og(cap)}; {format_og(need)} would reach the target.",))
        return plan

    def plan_revoke_token(self, provider: str, token_id: int) -> TxPlan:
        provider = provider_address(provider)
        if not 0 <= int(token_id) <= MAX_TOKEN_ID:
            raise RuleError(f"API key id {token_id} is out of range.", f"Use an id from 0 to {MAX_TOKEN_ID}.")
        if self.reads.provider_account(self.reads.address(), provider) is None:
            raise RuleError(f"You have no account with provider {short_address(provider)}, so no key to revoke.",
                            "Nothing to do: keys only exist for providers you have funded.")
        return self._plan(TxKind.REVOKE_TOKEN, f"Revoke API key #{token_id} for provider {short_address(provider)}", 0,
                          [f"The provider will refuse API key #{token_id} from now on.",
                           "Your other keys and this app's session keep working."],
                          contract="inference", function="revokeToken", args=(provider, int(token_id)),
                          providers=(provider,))

    def plan_revoke_all_tokens(self, provider: str) -> TxPlan:
        provider = provider_address(provider)
        if self.reads.provider_account(self.reads.address(), provider) is None:
            raise RuleError(f"You have no account with provider {short_address(provider)}, so no token to revoke.",
                            "Nothing to do: tokens only work for providers you have funded.")
        return self._plan(TxKind.REVOKE_ALL_TOKENS, f"Revoke every token for provider {short_address(provider)}", 0,
                          ["Every API key and session token for this provider stops working.",
                           "This app signs a fresh session token automatically for your next request."],
                          contract="inference", function="revokeAllTokens", args=(provider,), providers=(provider,))


def _refund_title(providers: int, collect_wei: int, request_wei: int) -> str:
    """In the words of the Wallet page's buttons, "Request refund" and "Collect unlocked refunds", which
    the dialog, the toast and the history repeat."""
    where = "the provider" if providers == 1 else f"your {providers} providers"
    collect = f"Collect {format_balance(collect_wei)} of unlocked refunds" if collect_wei else ""
    request = f"a refund of {format_balance(request_wei)}" if request_wei else ""
    if collect and request:
        return f"{collect} and request {request} from {where}"
    if collect:
        return f"{collect} from {where}"
    if request:
        return f"Request {request} from {where}"
    return f"Refunds from {where}: nothing to collect or request yet"


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds >= 60:
        return f"{seconds // 60} min"
    return f"{seconds} s"
