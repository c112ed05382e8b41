"""An in-process chain for the contract tests: eth-tester + py-evm, chain id 31337,
hardhat's public test accounts funded. Replace with og_devnet.chain.ChainNode once the
contract tests need JSON-RPC (the SDK's create_broker does)."""

from __future__ import annotations

from typing import Any

from eth.chains.base import ChainContext
from eth_account import Account
from eth_tester import EthereumTester, PyEVMBackend
from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider

# Hardhat's well-known PUBLIC test mnemonic (never used for real funds).
HARDHAT_MNEMONIC = "test test test test test test test test test test test junk"
CHAIN_ID = 31337
FUNDING = 10_000 * 10**18
OG = 10**18

Account.enable_unaudited_hdwallet_features()
KEYS: list[str] = [
    Account.from_mnemonic(HARDHAT_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}").key.to_0x_hex()
    for i in range(20)
]
ADDRESSES: list[str] = [Account.from_key(k).address for k in KEYS]
DEPLOYER_KEY = KEYS[0]
ETH_TESTER_DEFAULT_SENDER = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"


def make_chain() -> tuple[Web3, EthereumTester]:
    state = {
        Web3.to_bytes(hexstr=a): {"balance": FUNDING, "nonce": 0, "code": b"", "storage": {}}
        for a in ADDRESSES
    }
    # eth-tester's default sender for calls without "from" (the address of key 0x…01)
    # must afford its default gas, or view calls fail.
    state[Web3.to_bytes(hexstr=ETH_TESTER_DEFAULT_SENDER)] = {"balance": FUNDING, "nonce": 0, "code": b"", "storage": {}}
    backend = PyEVMBackend(
        genesis_parameters=PyEVMBackend.generate_genesis_params(overrides={"gas_limit": 30_000_000}),
        genesis_state=state,
    )
    # eth-tester hard-codes its chain id; hardhat's is what the SDK expects.
    backend.chain.chain_id = CHAIN_ID
    backend.chain.chain_context = ChainContext(CHAIN_ID)
    tester = EthereumTester(backend)
    provider = EthereumTesterProvider(tester)
    provider.api_endpoints["eth"]["chainId"] = lambda *_: CHAIN_ID
    return Web3(provider), tester


def send(w3: Web3, key: str, fn: Any, value: int = 0, gas: int | None = None) -> dict[str, Any]:
    """Send a contract call as a signed transaction; return the receipt (may have status 0)."""
    sender = Account.from_key(key).address
    tx = fn.build_transaction(
        {
            "from": sender,
            "value": value,
            "nonce": w3.eth.get_transaction_count(sender),
            "gasPrice": w3.eth.gas_price,
            "chainId": CHAIN_ID,
            **({"gas": gas} if gas else {}),
        }
    )
    signed = Account.from_key(key).sign_transaction(tx)
    return w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))


def time_travel(tester: EthereumTester, seconds: int) -> None:
    """Move the next block's timestamp `seconds` ahead and mine it."""
    latest = tester.get_block_by_number("latest")["timestamp"]
    tester.time_travel(latest + seconds)
