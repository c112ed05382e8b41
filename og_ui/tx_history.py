"""The Wallet page's transaction history: read from the chain (og_core's chain_history: the events of
0G's inference contract, so it survives a restart and every app process shows the same), with this
app's own notes from the local store merged in — what it asked for (a refund request's amount asked
back) and the deposits and withdrawals, for which 0G's ledger contract emits no event."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from og_core import ChainHistory, ChainTx, Network, OgClient, OgError, TxKind
from og_ui import local_store
from og_ui.tx import amount_text
from og_ui.widgets import show_error

CACHE_KEY = "wallet_chain_history"  # (who, notes seen, read at, ChainHistory)
TTL_S = 20.0  # a rerun within this reuses the read (each read is several RPC calls)
KIND_OF_CALL = {"transferFund": TxKind.FUND_PROVIDER, "retrieveFund": TxKind.RETRIEVE, "refund": TxKind.WITHDRAW,
                "depositFund": TxKind.DEPOSIT, "addLedger": TxKind.CREATE_LEDGER}


def _notes(client: OgClient) -> dict[str, dict[str, Any]]:
    where = local_store.scoped(client)
    return where[0].tx_notes(where[1]) if where else {}


def read(client: OgClient, notes: dict[str, dict[str, Any]], *, refresh: bool = False) -> ChainHistory:
    """The chain's history (cached briefly per wallet; a new note of this app reads again)."""
    who = (str(client.network), client.address)
    cached = st.session_state.get(CACHE_KEY)
    if (not refresh and cached is not None and cached[0] == who and cached[1] == len(notes)
            and time.monotonic() - cached[2] < TTL_S):
        return cached[3]
    got = client.chain_history(noted=notes)
    st.session_state[CACHE_KEY] = (who, len(notes), time.monotonic(), got)
    return got


def row(item: ChainTx, note: dict[str, Any] | None) -> dict[str, Any]:
    kind = str((note or {}).get("kind") or KIND_OF_CALL.get(item.call, ""))
    amount = int(note["amount_wei"]) if note else (item.amount_wei or 0)
    requested = int(note.get("requested_wei", 0)) if note else 0
    return {"time": datetime.fromtimestamp(item.time) if item.time else None,
            "what": note["what"] if note else item.what,
            "amount": amount_text(kind, amount, requested) if (amount or requested) else "—",
            "status": item.status, "source": "chain + this app's note" if note else "chain",
            "tx hash": item.tx_hash}


def show(client: OgClient) -> None:
    notes = _notes(client)
    refresh = st.button("Read again from the chain", key="wallet_history_refresh", icon=":material/refresh:")
    try:
        chain = read(client, notes, refresh=refresh)
    except OgError as exc:
        show_error(exc)
        st.caption("Below: only the transactions this app process sent (kept in memory).")
        chain = None
    _explain(client, chain)
    rows = [row(item, notes.get(item.tx_hash)) for item in chain.items] if chain else []
    on_chain = {r["tx hash"] for r in rows}
    # what this process sent and the chain did not show (pending, failed, or a deposit sent by another
    # session of this process before the notes were written)
    rows += [{"time": datetime.fromtimestamp(r.time), "what": r.what,
              "amount": amount_text(r.kind, r.amount_wei, r.requested_wei), "status": r.status,
              "source": "this app run", "tx hash": r.tx_hash or "—"}
             for r in client.history() if (r.tx_hash or "").lower() not in on_chain]
    rows.sort(key=lambda r: r["time"] or datetime.min, reverse=True)
    if not rows:
        st.info("No ledger transaction of this wallet on the chain yet.")
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="wallet_history_table", column_config={
        "time": st.column_config.DatetimeColumn("time", format="YYYY-MM-DD HH:mm:ss"),
        "amount": st.column_config.TextColumn("amount", width=170),  # "2 OG requested back" whole
        # a hash is 66 characters: a fixed width wide enough to show it whole (click a cell to copy)
        "tx hash": st.column_config.TextColumn("tx hash", width=560)})


def _explain(client: OgClient, chain: ChainHistory | None) -> None:
    """Where the history comes from and what it cannot show."""
    said = ("Read from the chain: funding a provider and refunds are the inference contract's events; "
            "0G's ledger contract emits no event for creating the ledger, deposits and withdrawals to the "
            "wallet, so those are listed when this app sent them (its notes on this computer).")
    if client.network == Network.LOCAL:
        said += (" The local network starts fresh each run: the history begins with this run's chain, and "
                 "transactions of earlier runs are gone with their chain. Times are the blocks' times, which "
                 "Advance time moves ahead.")
    elif chain is not None and not chain.complete:
        said += (f" Read back to block {chain.from_block:,} (the newest {chain.to_block - chain.from_block + 1:,} "
                 "blocks): public RPCs limit how far back events can be read, so older transactions are not "
                 "shown here — a block explorer has them.")
    if chain is not None and chain.missing:
        said += f" {len(chain.missing)} noted transaction(s) are not on this chain (an earlier run's network)."
    st.caption(said)
