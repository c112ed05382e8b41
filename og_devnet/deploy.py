"""Deploy the 0G contracts on a local chain at the SDK's built-in `hardhat` addresses.

`zerog_py_sdk` knows fixed addresses for chain 31337: the CREATE addresses of hardhat
account #0 at nonces 2 (ledger), 6 (inference) and 12 (fine-tuning). We pad the
deployer's nonce with zero-value self-transfers so our contracts land exactly there.
The fine-tuning address is left without code: nothing the SDK's broker set-up calls
touches it (the ledger's `getServiceInfo(fine_tuning)` simply returns an empty name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from eth_account import Account
from web3 import Web3

from og_devnet.contracts.build import load_artifact

# zerog_py_sdk.constants.CONTRACT_ADDRESSES["hardhat"]
HARDHAT_LEDGER = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"
HARDHAT_INFERENCE = "0x0165878A594ca255338adfa4d48449f69242Eb8F"
HARDHAT_FINE_TUNING = "0xA51c1fc2f0D1a1b8494Ed1FE312d7C3a78Ed91C0"
LEDGER_NONCE = 2
INFERENCE_NONCE = 6

PROVIDER_STAKE = 100 * 10**18
INFERENCE_SERVICE_TYPE = "inference"
INFERENCE_VERSION = "v1.0"  # full name "inference-v1.0", what the SDK resolves and passes
GAS_MARGIN = 1.3


@dataclass(frozen=True)
class Addresses:
    ledger: str
    inference: str
    fine_tuning: str


def _send(w3: Web3, key: str, tx: dict[str, Any]) -> Any:
    """Sign and send a transaction from `key`, estimating gas; raise if it reverts."""
    sender = Account.from_key(key)
    tx = {
        **tx,
        "from": sender.address,
        "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
        "gasPrice": w3.eth.gas_price,
        "chainId": w3.eth.chain_id,
    }
    if "gas" not in tx:
        tx["gas"] = int(w3.eth.estimate_gas(tx) * GAS_MARGIN)
    signed = sender.sign_transaction(tx)
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {receipt['transactionHash'].hex()} reverted")
    return receipt


def _transact(w3: Web3, key: str, fn: Any, value: int = 0) -> Any:
    sender = Account.from_key(key).address
    tx = fn.build_transaction({"from": sender, "value": value, "gas": 1, "gasPrice": 0, "nonce": 0})
    tx.pop("gas")
    return _send(w3, key, {"to": tx["to"], "data": tx["data"], "value": value})


def _deploy_contract(w3: Web3, key: str, name: str, *args: Any) -> str:
    artifact = load_artifact(name)
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    data = factory.constructor(*args).data_in_transaction
    receipt = _send(w3, key, {"data": data, "value": 0})
    return Web3.to_checksum_address(receipt["contractAddress"])


def _pad_nonce(w3: Web3, key: str, target: int) -> None:
    """Burn nonces with zero-value self-transfers until the next one is `target`."""
    address = Account.from_key(key).address
    nonce = w3.eth.get_transaction_count(address, "pending")
    if nonce > target:
        raise RuntimeError(
            f"deployer {address} already used nonce {target} (next is {nonce}): "
            "deploy on a fresh chain to land on the SDK's hardhat addresses"
        )
    for _ in range(target - nonce):
        _send(w3, key, {"to": address, "value": 0, "gas": 21_000})


def deploy_ours(w3: Web3, deployer_key: str, *, lock_time: int = 86400) -> Addresses:
    """Deploy our Vyper LedgerManager + InferenceServing and register the inference service.

    On a fresh chain with hardhat account #0 as deployer they land on the SDK's `hardhat`
    addresses; the returned addresses are the ones actually used either way.
    """
    owner = Account.from_key(deployer_key).address
    _pad_nonce(w3, deployer_key, LEDGER_NONCE)
    ledger = _deploy_contract(w3, deployer_key, "LedgerManager")
    _pad_nonce(w3, deployer_key, INFERENCE_NONCE)
    inference = _deploy_contract(w3, deployer_key, "InferenceServing", lock_time, ledger, owner)
    ledger_contract = w3.eth.contract(address=ledger, abi=load_artifact("LedgerManager")["abi"])
    _transact(
        w3,
        deployer_key,
        ledger_contract.functions.registerService(
            INFERENCE_SERVICE_TYPE, INFERENCE_VERSION, inference, "Inference serving (devnet)"
        ),
    )
    # No fine-tuning contract: report the SDK's address when we are on its layout.
    fine_tuning = HARDHAT_FINE_TUNING if ledger == HARDHAT_LEDGER else "0x" + "00" * 20
    return Addresses(ledger=ledger, inference=inference, fine_tuning=fine_tuning)


def deploy(
    w3: Web3,
    deployer_key: str,
    contracts: Literal["ours", "official"] = "ours",
    lock_time: int = 86400,
) -> Addresses:
    """Deploy either our contracts or 0G's official bytecode (og_devnet.official)."""
    if contracts == "ours":
        return deploy_ours(w3, deployer_key, lock_time=lock_time)
    if contracts == "official":
        from og_devnet.official import deploy_official

        return deploy_official(w3, deployer_key, lock_time=lock_time)
    raise ValueError(f"unknown contract set {contracts!r} (expected 'ours' or 'official')")


def register_provider(
    w3: Web3,
    inference_address: str,
    provider_key: str,
    owner_key: str,
    *,
    service_type: str,
    url: str,
    model: str,
    input_price: int,
    output_price: int,
    verifiability: str,
    additional_info: str,
    tee_signer: str,
) -> None:
    """Register (or update) a provider's service and have the owner acknowledge its TEE signer.

    Uses the official ABI shape (payable `addOrUpdateService(ServiceParams)` staking
    100 OG on first registration, `acknowledgeTEESignerByOwner`), which both contract
    sets share.
    """
    inference = w3.eth.contract(
        address=Web3.to_checksum_address(inference_address), abi=load_artifact("InferenceServing")["abi"]
    )
    provider = Account.from_key(provider_key).address
    params = (
        service_type,
        url,
        model,
        verifiability,
        int(input_price),
        int(output_price),
        additional_info,
        Web3.to_checksum_address(tee_signer),
    )
    stake = 0 if inference.functions.serviceExists(provider).call({"from": provider}) else PROVIDER_STAKE
    _transact(w3, provider_key, inference.functions.addOrUpdateService(params), value=stake)
    _transact(w3, owner_key, inference.functions.acknowledgeTEESignerByOwner(provider))
