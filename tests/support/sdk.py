"""The unmodified 0G SDK on a local network, as the acceptance tests drive it: a fresh funded wallet
with its own SDK broker, request headers, and the checks every billed answer gets (its TEE signature
against the on-chain signer, the exact fee settled on-chain)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import requests
from eth_account import Account
from eth_account.messages import encode_defunct

from og_devnet.launch import DevnetHandle
from tests.support.devnet import new_funded_account

OG = 10**18
# getService() tuple indices (struct field order of Service)
S_INPUT_PRICE, S_OUTPUT_PRICE, S_TEE_SIGNER = 3, 4, 9
# getAccount() tuple indices (struct field order of Account)
A_BALANCE, A_PENDING_REFUND = 3, 4


@dataclass
class User:
    """A fresh funded wallet with its own unmodified SDK broker."""

    net: DevnetHandle
    acct: Any
    sdk: Any

    @property
    def address(self) -> str:
        return self.acct.address

    @property
    def official(self) -> bool:
        return self.net.info["contracts"] == "official"

    def account(self, provider: str) -> tuple:
        return self.sdk.serving_contract.functions.getAccount(self.address, provider).call()

    def service(self, provider: str) -> tuple:
        return self.sdk.serving_contract.functions.getService(provider).call()

    def ledger(self) -> tuple[int, int]:
        """(available, total) from the ledger contract."""
        row = self.sdk.ledger_contract.functions.getLedger(self.address).call()
        return row[1], row[2]


def sdk_broker(net: DevnetHandle, key_hex: str) -> Any:
    from zerog_py_sdk import create_broker

    return create_broker(key_hex, network="hardhat", rpc_url=net.rpc_url)


def new_sdk_user(net: DevnetHandle, ledger_og: str = "3") -> User:
    acct = new_funded_account(net, 100)
    user = User(net, acct, sdk_broker(net, acct.key.to_0x_hex()))
    assert user.sdk.ledger.add_ledger(ledger_og)["success"]
    return user


def session_headers(user: User, provider: str) -> dict[str, str]:
    headers = user.sdk.inference._session_manager.get_request_headers(provider)
    assert headers["Authorization"].startswith("Bearer app-sk-")
    return headers


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_signature(user: User, p: dict, chat_id: str, response_half: str) -> None:
    """The broker's signed text recovers to the on-chain TEE signer; its response half is ours."""
    sig = requests.get(f"{p['url']}/v1/proxy/signature/{chat_id}", params={"model": p["model"]},
                       timeout=10).json()
    on_chain_signer = user.service(p["address"])[S_TEE_SIGNER]
    assert on_chain_signer == p["tee_signer"]
    assert Account.recover_message(encode_defunct(text=sig["text"]), signature=sig["signature"]) == on_chain_signer
    assert sig["signing_algo"] == "ecdsa"
    request_half, received_half = sig["text"].split(":")
    assert len(request_half) == 64
    assert received_half == response_half


def settle_and_check(user: User, p: dict, fee: int) -> None:
    """Unsettled fee == fee; after /devnet/settle the sub-account and ledger drop by exactly fee."""
    unsettled = requests.get(f"{p['url']}/v1/user/{user.address}/unsettledfee",
                             headers=session_headers(user, p["address"]), timeout=10).json()
    assert int(unsettled["unsettledFee"]) == fee
    before, (_, total_before) = user.account(p["address"])[A_BALANCE], user.ledger()
    settled = requests.post(p["url"] + "/devnet/settle", timeout=60).json()["settled"]
    mine = [s for s in settled if s["user"].lower() == user.address.lower()]
    assert len(mine) == 1 and int(mine[0]["fee"]) == fee
    receipt = user.sdk.web3.eth.get_transaction_receipt(mine[0]["tx"])
    assert receipt["status"] == 1
    assert before - user.account(p["address"])[A_BALANCE] == fee
    assert total_before - user.ledger()[1] == fee
