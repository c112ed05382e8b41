"""Deploy the 0G contracts on a local chain at the SDK's built-in `hardhat` addresses (see
deployer.py): our Vyper contracts here, 0G's official bytecode in official.py; `register_provider`
works on both (they share the official ABI shape)."""

from __future__ import annotations

from typing import Any, Literal

from eth_account import Account
from web3 import Web3

from og_devnet.contracts.build import load_artifact
from og_devnet.deployer import (
    INFERENCE_NONCE,
    INFERENCE_SERVICE_TYPE,
    INFERENCE_VERSION,
    LEDGER_NONCE,
    Addresses,
    Deployer,
    fine_tuning_address,
)
from og_devnet.official import deploy_official

PROVIDER_STAKE = 100 * 10**18
SERVICE_NAME = f"{INFERENCE_SERVICE_TYPE}-{INFERENCE_VERSION}"  # how a user names the service it pays
READY_FUND_PER_PROVIDER = 3 * 10**18  # what the first demo wallet starts with at each local provider
READY_AVAILABLE = 5 * 10**18  # and what its ledger keeps available, to fund a provider that joins later


def _deploy_contract(d: Deployer, name: str, *args: Any) -> str:
    artifact = load_artifact(name)
    factory = d.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    return d.create(factory.constructor(*args).data_in_transaction)


def deploy_ours(w3: Web3, deployer_key: str, *, lock_time: int = 86400) -> Addresses:
    """Deploy our Vyper LedgerManager + InferenceServing and register the inference service.

    On a fresh chain with hardhat account #0 as deployer they land on the SDK's `hardhat`
    addresses; another deployer's fresh nonces put them elsewhere (the returned addresses).
    """
    d = Deployer(w3, deployer_key)
    d.pad_to(LEDGER_NONCE)
    ledger = _deploy_contract(d, "LedgerManager")
    d.pad_to(INFERENCE_NONCE)
    inference = _deploy_contract(d, "InferenceServing", lock_time, ledger, d.address)
    ledger_contract = w3.eth.contract(address=ledger, abi=load_artifact("LedgerManager")["abi"])
    d.call(ledger_contract.functions.registerService(
        INFERENCE_SERVICE_TYPE, INFERENCE_VERSION, inference, "Inference serving (devnet)"))
    return Addresses(ledger=ledger, inference=inference, fine_tuning=fine_tuning_address(ledger))


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
    Deployer(w3, provider_key).call(inference.functions.addOrUpdateService(params), value=stake)
    Deployer(w3, owner_key).call(inference.functions.acknowledgeTEESignerByOwner(provider))


def ready_wallet(w3: Web3, ledger_address: str, user_key: str, providers: list[str],
                 each: int = READY_FUND_PER_PROVIDER, available: int = READY_AVAILABLE) -> None:
    """Give `user_key` a ledger and a sub-account holding `each` with every provider in `providers`,
    so its first request needs no transaction, and `available` left in the ledger. The first transfer
    to a provider also acknowledges it (both contract sets; same addLedger/transferFund signatures)."""
    ledger = w3.eth.contract(address=Web3.to_checksum_address(ledger_address),
                             abi=load_artifact("LedgerManager")["abi"])
    user = Deployer(w3, user_key)
    user.call(ledger.functions.addLedger(""), value=each * len(providers) + available)
    for provider in providers:
        user.call(ledger.functions.transferFund(Web3.to_checksum_address(provider), SERVICE_NAME, each))
