"""The sender: every transaction og_core sends, one wallet at a time — pre-flight, sign, send once, wait —
and the fate of each sent transaction, known from the chain alone.

Process-wide per wallet (two sessions of one wallet share it): a lock serializing its sends, the
pending transaction whose fate is not known yet, and the history. From the moment a signed
transaction may have reached the network, its fate comes from a lookup of its hash and nonce, never
from an error's text; until the chain tells, the wallet sends nothing new.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from eth_typing import ChecksumAddress, HexStr
from web3 import Web3
from web3.exceptions import TimeExhausted, TransactionNotFound

from og_core.amounts import format_og
from og_core.errors import ContractRevert, OgError, RpcError, RuleError, TxTimeoutError, WalletBusyError
from og_core.ledger import LedgerReads
from og_core.reverts import revert_from_exception, rpc_error_object
from og_core.transactions import TxKind, TxPlan, TxRecord, TxResult, TxStep, WalletActivity

log = logging.getLogger(__name__)

GAS_MARGIN_NUM, GAS_MARGIN_DEN = 13, 10  # gas limit = estimate × 1.3
GAS_FLOOR = 30_000
# A sent tx the node does not know, whose nonce is still unused, is called dropped only after this
# long: behind a load-balanced RPC the lookup may reach a node the tx has not propagated to yet.
PENDING_GRACE_S = 600.0


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


_wallets_lock = threading.Lock()
_wallets: dict[str, WalletState] = {}


def wallet_state(address: str) -> WalletState:
    with _wallets_lock:
        return _wallets.setdefault(address.lower(), WalletState())


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


def _step_failed(exc: OgError, number: int, count: int, step: TxPlan, done: list[TxResult]) -> OgError:
    """`exc` (kept as it is: a pending send stays a TxTimeoutError) saying which step of a set-up
    failed, what was done before it, and that the rest was not sent."""
    exc.message = f"Transaction {number} of {count} ({step.title}) did not go through: {exc.message}"
    if done:
        did = "; ".join(f"{r.plan.title} (block {r.block_number})" for r in done)
        before = f"Done before it, and kept: {did}."
    else:
        before = "Nothing of this set-up was confirmed."
    rest = " The later transactions were not sent." if number < count else ""
    again = "" if isinstance(exc, TxTimeoutError) else " Setting up again sends only what is still missing."
    exc.hint = f"{before}{rest} {exc.hint}{again}".strip()
    return exc


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


class TxSender:
    """Executes plans for one wallet (one client); `on_confirmed(plan)` runs once per confirmed plan."""

    def __init__(self, reads: LedgerReads, chain_id: int,
                 on_confirmed: Callable[[TxPlan], None] | None = None) -> None:
        self.reads = reads
        self.chain_id = chain_id
        self._on_confirmed = on_confirmed

    def busy_reason(self) -> str | None:
        if self.reads.account is None:
            return None
        state = wallet_state(self.reads.account.address)
        pending = state.pending
        if pending is not None and self._still_pending(state, pending):
            return (f"Waiting for transaction {pending.tx_hash} (nonce {pending.nonce}) to be confirmed "
                    "or dropped.")
        return None

    def activity(self) -> WalletActivity:
        """In memory only (no chain call): safe to ask on every page run."""
        if self.reads.account is None:
            return WalletActivity(sending=False, record=None)
        state = wallet_state(self.reads.account.address)
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
        if fate in ("confirmed", "reverted", "dropped"):
            return fate
        if fate == "unknown" and time.monotonic() - pending.sent_at >= PENDING_GRACE_S:
            return "dropped"  # never seen, nonce still free: it did not reach the network
        return None  # "known" (in the pool) or "unreadable"

    def _chain_fate(self, pending: PendingTx) -> str:
        """What the chain says now about a sent tx: "confirmed" / "reverted" (mined), "known" (the node
        holds it, not mined yet), "dropped" (its nonce went to another tx), "unknown" (no trace, nonce
        still free) or "unreadable" (the lookup itself failed: that proves nothing)."""
        try:
            outcome = self._receipt_outcome(pending.tx_hash)
            if outcome is not None:
                return outcome
            if self._node_knows(pending.tx_hash):
                return "known"
            used = int(self.reads.w3.eth.get_transaction_count(cast(ChecksumAddress, pending.plan.wallet), "latest"))
            if used > pending.nonce:  # the nonce went to a tx: ours (mined meanwhile) or another
                return self._receipt_outcome(pending.tx_hash) or "dropped"
        except Exception as exc:  # noqa: BLE001 - any read failure proves nothing
            log.info("could not look up sent tx %s: %s", pending.tx_hash, exc)
            return "unreadable"
        return "unknown"

    def _receipt_outcome(self, tx_hash: str) -> str | None:
        try:
            receipt = self.reads.w3.eth.get_transaction_receipt(cast(HexStr, tx_hash))
        except TransactionNotFound:
            return None
        return "confirmed" if receipt["status"] == 1 else "reverted"

    def _node_knows(self, tx_hash: str) -> bool:
        try:
            self.reads.w3.eth.get_transaction(cast(HexStr, tx_hash))
        except TransactionNotFound:
            return False
        return True

    def execute(self, plan: TxPlan, progress: Callable[[TxStep, str], None] | None = None, *,
                receipt_timeout_s: float = 120.0) -> TxResult:
        address = self.reads.address()
        if plan.wallet.lower() != address.lower():
            raise RuleError("This plan was made for another wallet.", "Plan the transaction again.")
        report = progress or (lambda step, text: None)
        state = wallet_state(address)
        if plan.kind is TxKind.SETUP:
            return self._execute_steps(state, plan, report, receipt_timeout_s)
        with state.lock:
            result = self._send_one(state, plan, report, receipt_timeout_s)
        if self._on_confirmed is not None:
            self._on_confirmed(plan)
        report(TxStep.CONFIRMED, result.message)
        return result

    def _execute_steps(self, state: WalletState, plan: TxPlan, report: Callable[[TxStep, str], None],
                       receipt_timeout_s: float) -> TxResult:
        """A SETUP plan: its transactions one after the other, the wallet's lock held throughout (no
        other send of this wallet slips in between). A failure stops there; its error says which step
        failed and what was done, and nothing done is sent again: a new plan leaves out what exists."""
        done: list[TxResult] = []
        count = len(plan.steps)
        with state.lock:
            for number, step in enumerate(plan.steps, 1):
                report(TxStep.CHECKING, f"Transaction {number} of {count}: {step.title}")
                if step.kind is TxKind.CREATE_LEDGER and self.reads.ledger_tuple(plan.wallet) is not None:
                    report(TxStep.CHECKING, "Your ledger exists already (created meanwhile): not sent.")
                    continue
                try:
                    result = self._send_one(state, step, report, receipt_timeout_s)
                except OgError as exc:
                    raise _step_failed(exc, number, count, step, done) from exc
                done.append(result)
                if self._on_confirmed is not None:
                    self._on_confirmed(step)
                report(TxStep.CONFIRMED, result.message)
        last = done[-1]  # the last step (a transfer) is never skipped
        blocks = ", ".join(str(r.block_number) for r in done)
        message = f"{plan.title}: {len(done)} transaction{'s' if len(done) > 1 else ''} confirmed (block {blocks})."
        return TxResult(plan=plan, tx_hash=last.tx_hash, status="confirmed", block_number=last.block_number,
                        gas_used=sum(r.gas_used or 0 for r in done), message=message)

    def _send_one(self, state: WalletState, plan: TxPlan, report: Callable[[TxStep, str], None],
                  receipt_timeout_s: float) -> TxResult:
        """One transaction, the wallet's lock held by the caller: rules, pre-flight, sign, send once, wait."""
        address = plan.wallet
        report(TxStep.CHECKING, "Checking the rules and your balances…")
        pending = state.pending
        if pending is not None and self._still_pending(state, pending):
            raise WalletBusyError(f"An earlier transaction ({pending.tx_hash}) is still pending.",
                                  "Wait until it is confirmed or dropped; nothing new was sent.")
        balance = self.reads.wallet_balance()
        _require_funds(balance, plan.value_wei)  # an eth_call carrying more value than held fails
        fn = self.reads.function(plan)
        params: dict[str, Any] = {"from": address, "value": plan.value_wei}
        report(TxStep.SIMULATING, "Simulating the transaction on the current chain state…")
        gas_limit = self._simulate(fn, params, report)
        gas_price = self.reads.gas_price()
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
        return TxResult(plan=plan, tx_hash=tx_hash, status="confirmed", block_number=int(receipt["blockNumber"]),
                        gas_used=int(receipt["gasUsed"]),
                        message=f"{plan.title}: confirmed in block {receipt['blockNumber']}.")

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
            raise _node_refused(exc, "simulate") or RpcError.from_exception(exc, "simulating the transaction") from exc
        return max(GAS_FLOOR, int(gas) * GAS_MARGIN_NUM // GAS_MARGIN_DEN)

    def _sign(self, fn: Any, params: dict[str, Any], gas_limit: int, gas_price: int) -> tuple[Any, int]:
        try:
            nonce = int(self.reads.w3.eth.get_transaction_count(params["from"], "pending"))
            tx = fn.build_transaction({**params, "gas": gas_limit, "gasPrice": gas_price, "nonce": nonce,
                                       "chainId": self.chain_id})
            return self.reads.account.sign_transaction(tx), nonce
        except Exception as exc:
            raise RpcError.from_exception(exc, "preparing the transaction") from exc

    def _send(self, state: WalletState, pending: PendingTx, signed: Any,
              report: Callable[[TxStep, str], None]) -> Any | None:
        """Send once (the RPC layer never re-sends, og_core.networks). Once the signed tx may have
        reached the network, its fate comes from the chain only, never from an error's text: a lost
        reply, a timeout, even "nonce too low" or "already known" (our own tx, sent twice by some
        layer) all mean: look the hash up. Returns the receipt when the lookup finds it mined, None
        after a plain successful send."""
        try:
            self.reads.w3.eth.send_raw_transaction(signed.raw_transaction)
            return None
        except Exception as exc:
            failure = exc
        fate = self._chain_fate(pending)
        if fate in ("confirmed", "reverted"):
            try:
                return self.reads.w3.eth.get_transaction_receipt(cast(HexStr, pending.tx_hash))
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
            return self.reads.w3.eth.wait_for_transaction_receipt(cast(HexStr, pending.tx_hash), timeout=timeout_s,
                                                               poll_latency=0.2)
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
        if self.reads.account is None:
            return []
        return list(reversed(wallet_state(self.reads.account.address).history))
