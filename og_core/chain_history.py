"""A wallet's ledger history as the chain records it, so it survives a restart and every app process
sees the same: the events 0G's InferenceServing contract emits for a user, read with eth_getLogs in
bounded block ranges, each transaction's call decoded with the ledger ABI the SDK ships.

What 0G's contracts emit (the official ABIs, and ours, which emit the same signatures):
- InferenceServing: BalanceUpdated(user, provider, amount, pendingRefund) when a provider's
  sub-account changes (funding it, asking a refund, collecting one), RefundRequested(user, provider,
  index, timestamp) for a refund asked, AccountDeleted(user, provider, refundedAmount).
- LedgerManager: nothing for creating the ledger, depositing into it or withdrawing from it to the
  wallet. Those are known only from this app's own notes (og_core/store.py), confirmed here by their
  receipts; transactions another app sent for them cannot be found without scanning every block.

Public RPCs cap a log query's block range (and how far back they keep logs): the read goes back at
most `max_blocks` from the newest block in steps of `step` blocks, and says where it stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from web3 import Web3
from zerog_py_sdk.contracts.abis import LEDGER_CONTRACT_ABI

from og_core.errors import RpcError

BALANCE_UPDATED = Web3.to_hex(Web3.keccak(text="BalanceUpdated(address,address,uint256,uint256)"))
REFUND_REQUESTED = Web3.to_hex(Web3.keccak(text="RefundRequested(address,address,uint256,uint256)"))
ACCOUNT_DELETED = Web3.to_hex(Web3.keccak(text="AccountDeleted(address,address,uint256)"))
TOPICS = [BALANCE_UPDATED, REFUND_REQUESTED, ACCOUNT_DELETED]
STEP_BLOCKS = 5_000  # per eth_getLogs: inside what public 0G RPCs accept
MAX_BLOCKS = 100_000  # how far back a public network is read (local: from genesis)
MAX_TXS = 100  # newest transactions described (each needs its call and block read)

# the ledger call a transaction made → what it did, in words
WHAT = {
    "transferFund": "Fund a provider",
    "retrieveFund": "Refunds: request / collect",
    "refund": "Withdraw to the wallet",
    "depositFund": "Deposit into the ledger",
    "addLedger": "Create the ledger",
    "deleteLedger": "Delete the ledger",
}


@dataclass(frozen=True)
class ChainTx:
    """One transaction of the wallet, as the chain shows it."""

    tx_hash: str
    block: int
    time: int | None  # the block's timestamp
    call: str  # the ledger function it called ("" when not a ledger call)
    what: str
    providers: tuple[str, ...]
    amount_wei: int | None  # the OG it moved, when its call or events say (transferFund's amount)
    refunds_asked: int  # RefundRequested events in it
    collected: bool  # a retrieve that paid unlocked refunds out (a balance fell with no new request)
    status: str = "confirmed"


@dataclass(frozen=True)
class ChainHistory:
    items: tuple[ChainTx, ...]  # newest first
    from_block: int  # read from this block on (0: the whole chain)
    to_block: int
    missing: tuple[str, ...] = ()  # noted hashes the chain does not know (another run's local chain)

    @property
    def complete(self) -> bool:
        return self.from_block == 0


def _topic(address: str) -> str:
    return "0x" + address.lower().removeprefix("0x").rjust(64, "0")


def _address(topic: Any) -> str:
    raw = topic.hex() if isinstance(topic, bytes | bytearray) else str(topic)
    return Web3.to_checksum_address("0x" + raw.removeprefix("0x")[-40:])


def _hex(value: Any) -> str:
    text = value.hex() if isinstance(value, bytes | bytearray) else str(value)
    return text if text.startswith("0x") else "0x" + text


def read_logs(w3: Web3, inference: str, user: str, *, from_block: int, to_block: int,
              step: int = STEP_BLOCKS) -> list[dict[str, Any]]:
    """Every event of `user` in the inference contract between the two blocks, `step` blocks a query."""
    logs: list[dict[str, Any]] = []
    start = from_block
    while start <= to_block:
        end = min(start + step - 1, to_block)
        try:
            logs += [dict(log) for log in w3.eth.get_logs({"address": Web3.to_checksum_address(inference), "fromBlock": start,
                                     "toBlock": end, "topics": [TOPICS, _topic(user)]})]
        except Exception as exc:
            raise RpcError(f"The chain's RPC did not return the ledger's events for blocks {start}–{end}.",
                           "Try again later, or use an RPC that serves eth_getLogs.", detail=str(exc)) from exc
        start = end + 1
    return logs


def history(w3: Web3, addresses: dict[str, str], user: str, *, noted: Iterable[str] = (),
            max_blocks: int | None = MAX_BLOCKS, step: int = STEP_BLOCKS, max_txs: int = MAX_TXS) -> ChainHistory:
    """The wallet's transactions the inference contract's events show, plus the `noted` hashes (this
    app's notes: deposits and withdrawals emit no event) confirmed by their receipts; newest first, at
    most `max_txs`. `max_blocks` None: from genesis."""
    try:
        latest = int(w3.eth.block_number)
    except Exception as exc:
        raise RpcError("The chain's RPC did not answer.", detail=str(exc)) from exc
    first = 0 if max_blocks is None else max(0, latest - max_blocks + 1)
    logs = read_logs(w3, addresses["inference"], user, from_block=first, to_block=latest, step=step)
    by_tx: dict[str, list[dict[str, Any]]] = {}
    for log in logs:
        by_tx.setdefault(_hex(log["transactionHash"]), []).append(log)
    missing: list[str] = []
    for tx_hash in {h.lower() for h in noted} - set(by_tx):
        receipt = _receipt(w3, tx_hash)
        if receipt is None:
            missing.append(tx_hash)
        else:
            by_tx[tx_hash] = [{"blockNumber": receipt["blockNumber"], "logIndex": -1, "topics": [],
                               "status": receipt["status"]}]
    ledger = w3.eth.contract(address=Web3.to_checksum_address(addresses["ledger"]), abi=LEDGER_CONTRACT_ABI)
    ordered = sorted(by_tx.items(), key=lambda kv: (kv[1][0]["blockNumber"], kv[1][0]["logIndex"]), reverse=True)
    times: dict[int, int] = {}
    items = [_describe(w3, ledger, tx_hash, tx_logs, times) for tx_hash, tx_logs in ordered[:max_txs]]
    return ChainHistory(tuple(items), first, latest, tuple(sorted(missing)))


def _receipt(w3: Web3, tx_hash: str) -> Any:
    try:
        return w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    except Exception:  # TransactionNotFound, or a hash of another chain
        return None


def _describe(w3: Web3, ledger: Any, tx_hash: str, logs: list[dict[str, Any]], times: dict[int, int]) -> ChainTx:
    block = int(logs[0]["blockNumber"])
    if block not in times:
        times[block] = int(w3.eth.get_block(block)["timestamp"])
    call, args, value = "", {}, 0
    try:
        tx = w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
        value = int(tx.get("value", 0))
        fn, args = ledger.decode_function_input(tx["input"])
        call = fn.fn_name
    except Exception:  # not a ledger call (another contract calling in): described by its events only
        pass
    topics = [_hex(log["topics"][0]) for log in logs if log["topics"]]
    providers = tuple(dict.fromkeys(_address(log["topics"][2]) for log in logs if log["topics"]))
    if call == "transferFund" and "provider" in args:
        providers = providers or (Web3.to_checksum_address(args["provider"]),)
    asked = topics.count(REFUND_REQUESTED)
    collected = call == "retrieveFund" and any(
        t == BALANCE_UPDATED and asked == 0 for t in topics)
    amount = int(args["amount"]) if call == "transferFund" and "amount" in args else None
    what = WHAT.get(call, "Ledger change")
    if call == "retrieveFund":
        what = "Request refunds" if asked else "Collect unlocked refunds"
    if call == "refund" and "amount" in args:
        amount = int(args["amount"])
    elif call in ("depositFund", "addLedger"):
        amount = value  # the OG sent with the call
    status = "reverted" if logs[0].get("status") == 0 else "confirmed"
    return ChainTx(tx_hash, block, times[block], call, what, providers, amount, asked, collected, status)
