"""Gas conformance table: our contracts vs 0G's official bytecode, against the SDK's fixed limits.

Run: `python -m bench.gas` (or `python bench/gas.py`) from the repo root. Starts one local
network per contract set (the official one needs npm, or the cached tarball), runs the ledger
life cycle once as a fresh user, and prints a Markdown table.

Per operation: gas used (receipt), gas needed (eth_estimateGas on the same pre-state), and
whether the SDK's hard-coded limit fits — checked by an eth_call with exactly that limit on the
same pre-state, which is what the SDK's transaction would run into (an inner call can run out
of gas even when the limit is above the receipt's gasUsed).
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from eth_account import Account
from web3 import Web3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/gas.py` works too

from og_devnet.launch import DevnetHandle, start_devnet  # noqa: E402

OG = 10**18
CHAIN_ID = 31337
SERVICE_NAME = "inference-v1.0"
MARGIN = 1.2


def sdk_gas_limit(method: Callable[..., Any]) -> int:
    """The fixed 'gas' the SDK method puts in its transaction, read from its source so the table
    follows an SDK upgrade."""
    found = re.findall(r"['\"]gas['\"]\s*:\s*(\d+)", inspect.getsource(method))
    if not found:
        raise LookupError(f"no fixed gas limit in {method.__qualname__}")
    return int(found[0])


def sdk_limits() -> dict[str, tuple[str, int | None]]:
    """Operation → (SDK method, fixed gas limit). settleFeesWithTEE is the provider's, not the SDK's."""
    from zerog_py_sdk.inference import InferenceManager
    from zerog_py_sdk.ledger import LedgerManager

    def lim(cls: type, name: str) -> tuple[str, int]:
        return f"{cls.__name__.replace('Manager', '').lower()}.{name}", sdk_gas_limit(getattr(cls, name))

    return {
        "addLedger": lim(LedgerManager, "add_ledger"),
        "depositFund": lim(LedgerManager, "deposit_fund"),
        "transferFund (first, new provider)": lim(LedgerManager, "transfer_fund"),
        "transferFund (top-up)": lim(LedgerManager, "transfer_fund"),
        "settleFeesWithTEE (1 item)": ("— (provider)", None),
        "retrieveFund (queue)": lim(LedgerManager, "retrieve_fund_from_provider"),
        "retrieveFund (collect after lock)": lim(LedgerManager, "retrieve_fund_from_provider"),
        "refund (partial)": lim(LedgerManager, "refund"),
        "revokeToken": lim(InferenceManager, "revoke_api_key"),
        "refund (all: deletes ledger)": lim(LedgerManager, "refund"),
    }


@dataclass
class Measure:
    used: int
    needed: int | None = None
    sdk_fits: bool | None = None


@dataclass
class Run:
    contracts: str
    gas: dict[str, Measure] = field(default_factory=dict)


class Wallet:
    """A fresh funded user; every write is pre-checked against the SDK limit, then sent with an estimate."""

    def __init__(self, handle: DevnetHandle, limits: dict[str, tuple[str, int | None]]) -> None:
        from zerog_py_sdk.contracts.abis import LEDGER_CONTRACT_ABI, SERVING_CONTRACT_ABI

        self.handle = handle
        self.limits = limits
        self.w3 = Web3(Web3.HTTPProvider(handle.rpc_url))
        self.acct = Account.create()
        self.rpc("hardhat_setBalance", [self.acct.address, hex(1_000 * OG)])
        addrs = handle.info["addresses"]
        self.ledger = self.w3.eth.contract(address=addrs["ledger"], abi=LEDGER_CONTRACT_ABI)
        self.serving = self.w3.eth.contract(address=addrs["inference"], abi=SERVING_CONTRACT_ABI)

    def rpc(self, method: str, params: list | None = None) -> Any:
        body = requests.post(self.handle.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                                        "params": params or []}, timeout=30).json()
        if "error" in body:
            raise RuntimeError(f"{method}: {body['error']}")
        return body["result"]

    def send(self, op: str, fn: Any, value: int = 0) -> Measure:
        call = {"from": self.acct.address, "to": fn.address, "data": fn._encode_transaction_data(),
                "value": value}
        needed = self.w3.eth.estimate_gas(call)
        limit = self.limits[op][1]
        fits = None
        if limit is not None:
            try:
                self.w3.eth.call({**call, "gas": limit})
                fits = True
            except Exception:  # noqa: BLE001 - any revert at that limit means the SDK's tx would fail
                fits = False
        tx = {**call, "gas": int(needed * MARGIN), "gasPrice": self.w3.eth.gas_price, "chainId": CHAIN_ID,
              "nonce": self.w3.eth.get_transaction_count(self.acct.address)}
        receipt = self.w3.eth.wait_for_transaction_receipt(
            self.w3.eth.send_raw_transaction(self.acct.sign_transaction(tx).raw_transaction))
        if receipt["status"] != 1:
            raise RuntimeError(f"{op} reverted on {self.handle.info['contracts']}")
        return Measure(receipt["gasUsed"], needed, fits)


def _chat_and_settle(wallet: Wallet, provider: dict) -> Measure:
    """One chat through the unmodified SDK's session token, then /devnet/settle; the settlement tx's gas."""
    from zerog_py_sdk import create_broker

    sdk = create_broker(wallet.acct.key.to_0x_hex(), network="hardhat", rpc_url=wallet.handle.rpc_url)
    headers = sdk.inference._session_manager.get_request_headers(provider["address"])
    body = {"model": provider["model"], "messages": [{"role": "user", "content": "hello"}]}
    r = requests.post(provider["url"] + "/v1/proxy/chat/completions", json=body, headers=headers, timeout=30)
    r.raise_for_status()
    settled = requests.post(provider["url"] + "/devnet/settle", timeout=60).json()["settled"]
    mine = [s for s in settled if s["user"].lower() == wallet.acct.address.lower()]
    if len(mine) != 1:
        raise RuntimeError(f"expected one settlement for the wallet, got {settled}")
    receipt = wallet.w3.eth.get_transaction_receipt(mine[0]["tx"])
    if receipt["status"] != 1:
        raise RuntimeError("settlement reverted")
    return Measure(receipt["gasUsed"])


def measure(contracts: str) -> Run:
    limits = sdk_limits()
    handle = start_devnet(port=0, contracts=contracts, settle_interval=3600, no_limits=True)
    run = Run(contracts)
    try:
        w = Wallet(handle, limits)
        chat = handle.provider("chat-tee")
        provider = chat["address"]
        led, srv = w.ledger.functions, w.serving.functions
        run.gas["addLedger"] = w.send("addLedger", led.addLedger(""), 10 * OG)
        run.gas["depositFund"] = w.send("depositFund", led.depositFund(), 5 * OG)
        run.gas["transferFund (first, new provider)"] = w.send(
            "transferFund (first, new provider)", led.transferFund(provider, SERVICE_NAME, 2 * OG))
        run.gas["transferFund (top-up)"] = w.send("transferFund (top-up)",
                                                  led.transferFund(provider, SERVICE_NAME, OG))
        run.gas["settleFeesWithTEE (1 item)"] = _chat_and_settle(w, chat)
        run.gas["retrieveFund (queue)"] = w.send("retrieveFund (queue)", led.retrieveFund([provider], SERVICE_NAME))
        w.rpc("evm_increaseTime", [int(handle.info["lock_time"]) + 300])
        w.rpc("evm_mine")
        run.gas["retrieveFund (collect after lock)"] = w.send("retrieveFund (collect after lock)",
                                                              led.retrieveFund([provider], SERVICE_NAME))
        run.gas["refund (partial)"] = w.send("refund (partial)", led.refund(OG))
        run.gas["revokeToken"] = w.send("revokeToken", srv.revokeToken(provider, 3))
        available = led.getLedger(w.acct.address).call()[1]
        run.gas["refund (all: deletes ledger)"] = w.send("refund (all: deletes ledger)", led.refund(available))
    finally:
        handle.stop()
    return run


def _fits(m: Measure | None) -> str:
    if m is None or m.sdk_fits is None:
        return "—"
    return "✓" if m.sdk_fits else "✗"


def markdown_table(runs: list[Run]) -> str:
    limits = sdk_limits()
    head = "| operation | SDK method | SDK gas limit |"
    sep = "|---|---|---:|"
    for r in runs:
        head += f" {r.contracts}: used | {r.contracts}: needed | {r.contracts}: SDK fits |"
        sep += "---:|---:|:---:|"
    lines = [head, sep]
    for op, (method, limit) in limits.items():
        line = f"| {op} | `{method}` | {limit:,} |" if limit else f"| {op} | {method} | — |"
        for r in runs:
            m = r.gas.get(op)
            used = f"{m.used:,}" if m else "—"
            needed = f"{m.needed:,}" if m and m.needed else "—"
            line += f" {used} | {needed} | {_fits(m)} |"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contracts", nargs="+", default=["ours", "official"], choices=["ours", "official"])
    args = ap.parse_args(argv)
    runs = []
    for contracts in args.contracts:
        print(f"· measuring on {contracts} contracts …", flush=True)
        runs.append(measure(contracts))
    print()
    print(markdown_table(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
