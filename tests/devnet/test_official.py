"""0G's official contract bytecode on our chain: addresses, SDK ledger flow, pitfall #22, gas."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
import requests
import rlp
from eth_account import Account
from eth_utils import keccak, to_canonical_address, to_checksum_address
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

from og_devnet.accounts import DEPLOYER, PROVIDER_WALLETS, tee_address
from og_devnet.chain import ChainNode
from og_devnet.deploy import register_provider
from og_devnet.official import (
    OfficialContractsUnavailable,
    clone_creation_code,
    deploy_official,
    official_abis,
)

pytestmark = pytest.mark.official

OG = 10**18
SERVICE_NAME = "inference-v1.0"
MARGIN = 1.2


@pytest.fixture(scope="module")
def chain() -> Iterator[tuple[ChainNode, Web3, object]]:
    if shutil.which("npm") is None and not os.environ.get("CI"):
        pytest.skip("npm is not installed: cannot fetch 0G's official contracts")
    try:
        official_abis()
    except OfficialContractsUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    node = ChainNode()
    node.start()
    w3 = Web3(Web3.HTTPProvider(node.url))
    addresses = deploy_official(w3, DEPLOYER[1])
    yield node, w3, addresses
    node.stop()


def _create_address(sender: str, nonce: int) -> str:
    return to_checksum_address(keccak(rlp.encode([to_canonical_address(sender), nonce]))[12:])


def _rpc(node: ChainNode, method: str, params: list) -> object:
    return requests.post(node.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                         timeout=30).json()["result"]


def _send_estimated(w3: Web3, key: str, fn, value: int = 0) -> dict:
    """What og_core must do instead of the SDK's fixed limits: estimate, add a margin, send."""
    sender = Account.from_key(key).address
    tx = fn.build_transaction({"from": sender, "value": value, "nonce": w3.eth.get_transaction_count(sender),
                               "gasPrice": w3.eth.gas_price, "chainId": 31337})
    tx["gas"] = int(w3.eth.estimate_gas({k: tx[k] for k in ("from", "to", "data", "value")}) * MARGIN)
    signed = Account.from_key(key).sign_transaction(tx)
    return w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))


def _register_provider(w3: Web3, inference: str, name: str, provider_key: str) -> None:
    register_provider(w3, inference, provider_key, DEPLOYER[1], service_type="chatbot", url="http://127.0.0.1:1",
                      model="local/official-test", input_price=1, output_price=2, verifiability="TeeML",
                      additional_info="{}", tee_signer=tee_address(name))


def test_lands_on_the_sdk_hardhat_addresses(chain) -> None:
    from zerog_py_sdk.constants import CONTRACT_ADDRESSES

    node, w3, addresses = chain
    sdk = CONTRACT_ADDRESSES["hardhat"]
    assert addresses.ledger == "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0" == sdk.ledger
    assert addresses.inference == "0x0165878A594ca255338adfa4d48449f69242Eb8F" == sdk.inference
    assert addresses.fine_tuning == "0xA51c1fc2f0D1a1b8494Ed1FE312d7C3a78Ed91C0" == sdk.fine_tuning
    ledger_impl = _create_address(DEPLOYER[0], 0)
    assert w3.eth.get_code(addresses.ledger) == clone_creation_code(ledger_impl)[10:]  # the clone's runtime
    abis = official_abis()
    ledger = w3.eth.contract(address=addresses.ledger, abi=abis["ledger"])
    inference = w3.eth.contract(address=addresses.inference, abi=abis["inference"])
    assert ledger.functions.getServiceInfo(addresses.inference).call()[4] == SERVICE_NAME
    assert inference.functions.lockTime().call() == 86400
    assert inference.functions.owner().call() == ledger.functions.owner().call() == DEPLOYER[0]
    # The bare implementation refuses initialize with a custom error, decoded through our code-3 reverts.
    bare = w3.eth.contract(address=ledger_impl, abi=abis["ledger"])
    with pytest.raises(ContractCustomError):
        bare.functions.initialize(DEPLOYER[0]).call({"from": DEPLOYER[0]})


def test_sdk_ledger_flow_and_pitfall_22(chain) -> None:
    from zerog_py_sdk import create_broker

    node, w3, addresses = chain
    provider_key = PROVIDER_WALLETS[0][1]
    provider = Account.from_key(provider_key).address
    _register_provider(w3, addresses.inference, "official-chat", provider_key)

    user = Account.create()
    _rpc(node, "hardhat_setBalance", [user.address, hex(100 * OG)])
    broker = create_broker(user.key.hex(), network="hardhat", rpc_url=node.url)
    gas: dict[str, int] = {}

    created = broker.ledger.add_ledger("10")  # the unmodified SDK, fixed 300k limit: enough here
    assert created["success"]
    gas["addLedger"] = created["gas_used"]
    assert broker.ledger.get_ledger().total_balance == 10 * OG

    # Pitfall #22: the SDK's transferFund to a NEW provider runs out of its fixed 300k gas.
    sent_before = _rpc(node, "devnet_txCount", [])
    with pytest.raises(Exception, match="Transaction failed"):
        broker.ledger.transfer_fund(provider, "inference", 2 * OG)
    assert _rpc(node, "devnet_txCount", []) == sent_before + 1  # it was sent, mined and failed
    failed = w3.eth.get_block("latest", full_transactions=True).transactions[0]
    failed_receipt = w3.eth.get_transaction_receipt(failed["hash"])
    assert failed["from"] == user.address and failed["gas"] == 300_000
    assert failed_receipt.status == 0 and failed_receipt.gasUsed > 250_000
    assert broker.ledger.get_ledger().total_balance == 10 * OG  # nothing moved
    # It is the gas, not the logic: the same call passes without the cap and reverts with it
    # (an inner call runs out of gas and the ledger reverts, so 1/64 of the limit is left unused).
    replay = {"from": user.address, "to": failed["to"], "data": failed["input"]}
    w3.eth.call(replay)
    with pytest.raises(ContractLogicError):  # the ledger's CallFailed(), decoded from our code-3 revert
        w3.eth.call({**replay, "gas": 300_000})

    # The same call, gas from eth_estimateGas plus a margin, succeeds.
    ledger = broker.ledger_contract
    receipt = _send_estimated(w3, user.key.hex(), ledger.functions.transferFund(provider, SERVICE_NAME, 2 * OG))
    assert receipt.status == 1
    gas["first transferFund"] = receipt.gasUsed
    assert receipt.gasUsed > 300_000
    inference = w3.eth.contract(address=addresses.inference, abi=official_abis()["inference"])
    account = inference.functions.getAccount(user.address, provider).call()
    assert account[3] == 2 * OG and account[7] is True  # balance, acknowledged by the first transfer

    receipt = _send_estimated(w3, user.key.hex(), ledger.functions.retrieveFund([provider], SERVICE_NAME))
    assert receipt.status == 1
    gas["first retrieveFund"] = receipt.gasUsed
    assert inference.functions.getAccount(user.address, provider).call()[4] == 2 * OG  # pendingRefund

    refunded = broker.ledger.refund("2")  # 8 available -> 6 remain (>= 3 OG)
    assert refunded["success"]
    gas["refund"] = refunded["gas_used"]
    ledger_row = broker.ledger.get_ledger()
    assert ledger_row.total_balance == 8 * OG and ledger_row.balance == 6 * OG
    print("\nofficial contracts gas used:", gas)
