"""Helpers for tests that run against a real local network (og_devnet)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount

from og_core import OgClient, Settings
from og_devnet.launch import DevnetHandle, start_devnet

ONE_OG = 10**18


def start(contracts: str = "ours", *, llm: bool = False) -> DevnetHandle:
    """A local network for tests: brokers settle only when a test asks (`POST /devnet/settle`), so
    balance assertions are exact. `llm`: with the local language model as one more chat provider."""
    return start_devnet(port=0, contracts=contracts, settle_interval=3600, no_limits=True, llm=llm)


def rpc(handle: DevnetHandle, method: str, params: list | None = None) -> Any:
    resp = requests.post(handle.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                               "params": params or []}, timeout=30)
    body = resp.json()
    if "error" in body:
        raise RuntimeError(body["error"])
    return body["result"]


@contextmanager
def automine_off(handle: DevnetHandle) -> Iterator[None]:
    """Sent transactions wait in the pool until `rpc(handle, "evm_mine")`."""
    rpc(handle, "evm_setAutomine", [False])
    try:
        yield
    finally:
        rpc(handle, "evm_setAutomine", [True])


def new_funded_account(handle: DevnetHandle, og: int = 100) -> LocalAccount:
    """A fresh wallet with `og` OG, so tests never share ledger state."""
    acct = Account.create()
    rpc(handle, "hardhat_setBalance", [acct.address, hex(og * ONE_OG)])
    return acct


def client_for(handle: DevnetHandle, account: LocalAccount | None = None, **kw: Any) -> OgClient:
    """An og_core client on `handle` (read-only without `account`)."""
    key = account.key.hex() if account is not None else None
    return OgClient("local", private_key=key, settings=Settings(), rpc_url=handle.rpc_url,
                    addresses=handle.info["addresses"], **kw)


def tx_count(handle: DevnetHandle) -> int:
    """How many eth_sendRawTransaction calls the chain has seen."""
    count = rpc(handle, "devnet_txCount")
    return int(count, 0) if isinstance(count, str) else int(count)


def prov(handle: DevnetHandle, name: str) -> str:
    """The address of provider `name` on `handle`."""
    return handle.provider(name)["address"]


def funded(handle: DevnetHandle, client: OgClient, provider_name: str = "chat-tee", amount: str = "3") -> str:
    """Create `client`'s ledger with 10 OG and fund `provider_name` with `amount` OG; its address."""
    client.execute(client.plan_deposit("10"))
    p = prov(handle, provider_name)
    client.execute(client.plan_fund_provider(p, amount))
    return p


def open_sub_accounts(devnet: DevnetHandle, wallet: OgClient, account: LocalAccount, count: int) -> None:
    """`count` first transfers of 1 OG to fresh addresses (our contract needs no service for them),
    sent raw: og_core would refuse an unregistered provider."""
    from zerog_py_sdk.contracts.abis import LEDGER_CONTRACT_ABI

    w3 = wallet.web3
    ledger = w3.eth.contract(address=devnet.info["addresses"]["ledger"], abi=LEDGER_CONTRACT_ABI)
    name = ledger.functions.getServiceInfo(devnet.info["addresses"]["inference"]).call()[4]
    nonce, price = w3.eth.get_transaction_count(account.address), w3.eth.gas_price
    hashes = []
    for i in range(count):
        tx = ledger.functions.transferFund(Account.create().address, name, ONE_OG).build_transaction(
            {"from": account.address, "nonce": nonce + i, "gas": 400_000, "gasPrice": price, "chainId": 31337})
        hashes.append(w3.eth.send_raw_transaction(Account.sign_transaction(tx, account.key).raw_transaction))
    assert all(w3.eth.get_transaction_receipt(h)["status"] == 1 for h in hashes)
