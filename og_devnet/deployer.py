"""What both contract sets (ours, in deploy.py, and 0G's official bytecode, in official.py) need to land
on the SDK's built-in `hardhat` addresses: the addresses, the deployer's nonces, and a deployer that
sends one transaction at a time and pads its nonce.

`zerog_py_sdk` knows fixed addresses for chain 31337: the CREATE addresses of hardhat account #0 at
nonces 2 (ledger), 6 (inference) and 12 (fine-tuning). The deployer burns nonces with zero-value
self-transfers so the contracts land exactly there. The fine-tuning address is left without code:
nothing the SDK's broker set-up calls touches it (the ledger's `getServiceInfo(fine_tuning)` simply
returns an empty name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from web3 import Web3

# zerog_py_sdk.constants.CONTRACT_ADDRESSES["hardhat"]
HARDHAT_LEDGER = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"  # account #0, nonce 2
HARDHAT_INFERENCE = "0x0165878A594ca255338adfa4d48449f69242Eb8F"  # nonce 6
HARDHAT_FINE_TUNING = "0xA51c1fc2f0D1a1b8494Ed1FE312d7C3a78Ed91C0"  # nonce 12, left without code
LEDGER_NONCE = 2
INFERENCE_NONCE = 6

# The inference service as the ledger registers it: full name "inference-v1.0", what the SDK resolves.
INFERENCE_SERVICE_TYPE = "inference"
INFERENCE_VERSION = "v1.0"
GAS_MARGIN = 1.3  # on top of eth_estimateGas


@dataclass(frozen=True)
class Addresses:
    ledger: str
    inference: str
    fine_tuning: str


def fine_tuning_address(ledger: str) -> str:
    """No fine-tuning contract is deployed: report the SDK's address when we are on its layout."""
    return HARDHAT_FINE_TUNING if ledger == HARDHAT_LEDGER else "0x" + "00" * 20


class Deployer:
    """Sends `key`'s transactions one by one and waits for each; raises if one reverts."""

    def __init__(self, w3: Web3, key: str) -> None:
        self.w3, self.account = w3, Account.from_key(key)

    @property
    def address(self) -> str:
        return self.account.address

    @property
    def nonce(self) -> int:
        return self.w3.eth.get_transaction_count(self.account.address, "pending")

    def send(self, tx: dict[str, Any]) -> Any:
        """Sign and send `tx` (gas from eth_estimateGas + margin unless given); the receipt."""
        tx = {"value": 0, **tx, "from": self.account.address, "nonce": self.nonce,
              "gasPrice": self.w3.eth.gas_price, "chainId": self.w3.eth.chain_id}
        if "gas" not in tx:
            tx["gas"] = int(self.w3.eth.estimate_gas(tx) * GAS_MARGIN)
        signed = self.account.sign_transaction(tx)
        receipt = self.w3.eth.wait_for_transaction_receipt(self.w3.eth.send_raw_transaction(signed.raw_transaction))
        if receipt["status"] != 1:
            raise RuntimeError(f"deployment transaction {receipt['transactionHash'].hex()} reverted")
        return receipt

    def create(self, code: bytes | str) -> str:
        """Deploy creation `code`; the new contract's checksummed address."""
        return Web3.to_checksum_address(self.send({"data": code})["contractAddress"])

    def call(self, fn: Any, value: int = 0) -> Any:
        """Send a contract function call (a web3 ContractFunction with its arguments bound)."""
        return self.send({"to": fn.address, "data": fn._encode_transaction_data(), "value": value})

    def pad_to(self, target: int) -> None:
        """Burn nonces with zero-value self-transfers until the next one is `target`."""
        nonce = self.nonce
        if nonce > target:
            raise RuntimeError(f"deployer {self.address} already used nonce {target} (next is {nonce}): "
                               "deploy on a fresh chain to land on the SDK's hardhat addresses")
        for _ in range(target - nonce):
            self.send({"to": self.address, "gas": 21_000})


__all__ = ["GAS_MARGIN", "HARDHAT_FINE_TUNING", "HARDHAT_INFERENCE", "HARDHAT_LEDGER", "INFERENCE_NONCE",
           "INFERENCE_SERVICE_TYPE", "INFERENCE_VERSION", "LEDGER_NONCE", "Addresses", "Deployer",
           "fine_tuning_address"]
