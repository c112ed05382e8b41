"""Our Vyper 0G contracts: artifacts, ABI compatibility with zerog_py_sdk, the protocol
rules of docs/protocol.md (the ledger and inference contracts) (custom errors byte for byte), gas within the SDK's
hard-coded limits, EIP-712 settlement, and the unmodified SDK driving them."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zerog_py_sdk
from eth_abi import encode
from eth_account import Account
from eth_tester.exceptions import TransactionFailed
from eth_utils import keccak
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.logs import DISCARD
from zerog_py_sdk.contract_errors import decode_contract_error
from zerog_py_sdk.contracts.abis import LEDGER_CONTRACT_ABI, SERVING_CONTRACT_ABI

from og_devnet.contracts.build import CONTRACT_NAMES, load_artifact, source_sha256
from og_devnet.deploy import deploy_ours, register_provider
from og_devnet.deployer import HARDHAT_FINE_TUNING, HARDHAT_INFERENCE, HARDHAT_LEDGER
from tests.support.contracts import ADDRESSES, DEPLOYER_KEY, KEYS, OG, make_chain, send, time_travel

OWNER_KEY = DEPLOYER_KEY
USER_KEY, USER = KEYS[1], ADDRESSES[1]
USER2_KEY, USER2 = KEYS[2], ADDRESSES[2]
PROVIDER_KEY, PROVIDER = KEYS[15], ADDRESSES[15]
PROVIDER2_KEY, PROVIDER2 = KEYS[16], ADDRESSES[16]
TEE_KEY = "0x" + "7e" * 32  # test-only TEE signer key
TEE_SIGNER = Account.from_key(TEE_KEY).address
SERVICE_NAME = "inference-v1.0"
LOCK_TIME = 86400


# ------------------------------------------------------------------ fixtures

class Net:
    def __init__(self) -> None:
        self.w3, self.tester = make_chain()
        self.addresses = deploy_ours(self.w3, DEPLOYER_KEY, lock_time=LOCK_TIME)
        self.ledger = self.w3.eth.contract(address=self.addresses.ledger, abi=load_artifact("LedgerManager")["abi"])
        self.inference = self.w3.eth.contract(
            address=self.addresses.inference, abi=load_artifact("InferenceServing")["abi"]
        )
        register_provider(
            self.w3, self.addresses.inference, PROVIDER_KEY, OWNER_KEY,
            service_type="chatbot", url="http://127.0.0.1:1", model="local/tiny-chat",
            input_price=10**9, output_price=2 * 10**9, verifiability="TeeML",
            additional_info="{}", tee_signer=TEE_SIGNER,
        )

    def tx(self, key: str, fn: Any, value: int = 0, gas: int | None = None) -> dict[str, Any]:
        receipt = send(self.w3, key, fn, value=value, gas=gas)
        assert receipt["status"] == 1, f"transaction reverted: {revert_data(fn, key, value)}"
        return receipt

    def ledger_of(self, user: str) -> tuple:
        return self.ledger.functions.getLedger(user).call()

    def account(self, user: str, provider: str = PROVIDER) -> tuple:
        return self.inference.functions.getAccount(user, provider).call()


@pytest.fixture(scope="module")
def module_net() -> Net:
    return Net()


@pytest.fixture
def net(module_net: Net) -> Iterator[Net]:
    # Every test starts from the freshly deployed state.
    snapshot = module_net.tester.take_snapshot()
    yield module_net
    module_net.tester.revert_to_snapshot(snapshot)


def revert_data(fn: Any, key: str, value: int = 0) -> str | None:
    """The raw revert data of an eth_call of `fn` from `key`'s address, or None if it succeeds."""
    try:
        fn.call({"from": Account.from_key(key).address, "value": value})
    except ContractCustomError as e:
        return e.data if isinstance(e.data, str) else e.message
    except ContractLogicError as e:
        return e.data if isinstance(e.data, str) else str(e)
    except TransactionFailed as e:  # eth-tester in-process: "execution reverted: b'<raw bytes>'"
        text = str(e.args[0]).removeprefix("execution reverted: ")
        raw = ast.literal_eval(text) if text[:2] in ("b'", 'b"') else text
        return "0x" + raw.hex() if isinstance(raw, bytes) else raw
    return None


def err(signature: str, *args: Any) -> str:
    """Solidity custom-error revert data: selector ++ abi.encode(args)."""
    types = re.fullmatch(r"\w+\((.*)\)", signature).group(1)
    body = encode(types.split(","), list(args)) if types else b""
    return "0x" + (keccak(text=signature)[:4] + body).hex()


def assert_reverts(net: Net, fn: Any, key: str, expected: str, value: int = 0) -> None:
    assert revert_data(fn, key, value) == expected
    # The transaction fails too (eth-tester raises instead of mining a status-0 receipt).
    try:
        status = send(net.w3, key, fn, value=value, gas=500_000)["status"]
    except TransactionFailed:
        status = 0
    assert status == 0


def open_sub_account(net: Net, user_key: str = USER_KEY, deposit: int = 10 * OG, transfer: int = 2 * OG) -> None:
    net.tx(user_key, net.ledger.functions.addLedger(""), value=deposit)
    net.tx(user_key, net.ledger.functions.transferFund(PROVIDER, SERVICE_NAME, transfer), gas=300_000)


# ------------------------------------------------------------------ artifacts and ABI

@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_artifact_is_fresh(name: str) -> None:
    artifact = load_artifact(name)
    assert artifact["source_sha256"] == source_sha256(name), "run: python -m og_devnet.contracts.build"
    assert artifact["vyper_version"] == "0.4.3"
    assert artifact["bytecode"].startswith("0x") and len(artifact["bytecode"]) // 2 - 1 <= 24576


def _abi_type(p: dict) -> str:
    if p["type"].startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in p["components"]) + ")" + p["type"][5:]
    return p["type"]


def _signatures(abi: list[dict]) -> dict[str, tuple]:
    return {
        e["name"]: (tuple(_abi_type(i) for i in e["inputs"]), tuple(_abi_type(o) for o in e.get("outputs", [])))
        for e in abi
        if e["type"] == "function"
    }


def _sdk_called_functions() -> set[str]:
    root = Path(zerog_py_sdk.__file__).parent
    names: set[str] = set()
    for module in ("ledger.py", "inference.py", "read_only.py", "session.py", "auth.py"):
        names |= set(re.findall(r"functions\.(\w+)\(", (root / module).read_text()))
    return names


@pytest.mark.parametrize(
    ("name", "sdk_abi"), [("LedgerManager", LEDGER_CONTRACT_ABI), ("InferenceServing", SERVING_CONTRACT_ABI)]
)
def test_abi_matches_sdk_for_every_function_the_sdk_calls(name: str, sdk_abi: list[dict]) -> None:
    ours = _signatures(load_artifact(name)["abi"])
    sdk = _signatures(sdk_abi)
    called = _sdk_called_functions() & set(sdk)
    assert len(called) > 8
    for fn in sorted(called):
        assert ours.get(fn) == sdk[fn], f"{name}.{fn}: ours {ours.get(fn)} != sdk {sdk[fn]}"


def test_account_and_service_struct_layout() -> None:
    abi = {e["name"]: e for e in load_artifact("InferenceServing")["abi"] if e["type"] == "function"}
    account = [c["name"] for c in abi["getAccount"]["outputs"][0]["components"]]
    assert len(account) == 11 and account[9] == "generation" and account[10] == "revokedBitmap"
    refund = [c["name"] for c in abi["getAccount"]["outputs"][0]["components"][5]["components"]]
    assert refund == ["index", "amount", "createdAt", "processed"]
    assert len(abi["getService"]["outputs"][0]["components"]) == 11
    settle = abi["settleFeesWithTEE"]
    assert [_abi_type(i) for i in settle["inputs"]] == ["(address,address,uint256,bytes32,uint256,bytes)[]"]
    assert [_abi_type(o) for o in settle["outputs"]] == ["uint8[]"]


# ------------------------------------------------------------------ deployment

def test_deploys_on_sdk_hardhat_addresses(net: Net) -> None:
    assert (net.addresses.ledger, net.addresses.inference, net.addresses.fine_tuning) == (
        HARDHAT_LEDGER, HARDHAT_INFERENCE, HARDHAT_FINE_TUNING,
    )
    info = net.ledger.functions.getServiceInfo(net.addresses.inference).call()
    assert info[4] == SERVICE_NAME and info[1] == net.addresses.inference
    assert net.inference.functions.lockTime().call() == LOCK_TIME
    assert net.inference.functions.ledgerAddress().call() == net.addresses.ledger
    assert net.inference.functions.owner().call() == ADDRESSES[0]


# ------------------------------------------------------------------ ledger rules

def test_add_ledger_minimum_and_duplicate(net: Net) -> None:
    add = net.ledger.functions.addLedger("")
    assert_reverts(net, add, USER_KEY, err("MinimumDepositRequired(uint256,uint256)", 2 * OG, 3 * OG), value=2 * OG)
    receipt = net.tx(USER_KEY, add, value=3 * OG, gas=300_000)
    assert receipt["gasUsed"] < 300_000
    assert net.ledger_of(USER) == (USER, 3 * OG, 3 * OG, "")
    assert_reverts(net, add, USER_KEY, err("LedgerExists(address)", USER), value=3 * OG)
    assert revert_data(net.ledger.functions.getLedger(USER2), USER_KEY) == err("LedgerNotExists(address)", USER2)


def test_deposit_fund_rules(net: Net) -> None:
    assert_reverts(net, net.ledger.functions.depositFund(), USER_KEY, err("ZeroAmountNotAllowed()"))
    assert_reverts(
        net, net.ledger.functions.depositFund(), USER_KEY,
        err("MinimumDepositRequired(uint256,uint256)", OG, 3 * OG), value=OG,
    )
    net.tx(USER_KEY, net.ledger.functions.depositFund(), value=3 * OG, gas=200_000)
    net.tx(USER2_KEY, net.ledger.functions.depositFundFor(USER), value=OG, gas=200_000)
    assert net.ledger_of(USER)[1:3] == [4 * OG, 4 * OG] or net.ledger_of(USER)[1:3] == (4 * OG, 4 * OG)


def test_refund_rules_and_native_payout(net: Net) -> None:
    net.tx(USER_KEY, net.ledger.functions.addLedger("info"), value=5 * OG)
    refund = net.ledger.functions.refund
    assert_reverts(net, refund(6 * OG), USER_KEY, err("InsufficientBalance(address)", USER))
    assert_reverts(net, refund(3 * OG), USER_KEY, err("MinimumDepositRequired(uint256,uint256)", 2 * OG, 3 * OG))
    before = net.w3.eth.get_balance(USER)
    receipt = net.tx(USER_KEY, refund(2 * OG), gas=200_000)
    gas_cost = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert net.w3.eth.get_balance(USER) == before + 2 * OG - gas_cost
    assert net.ledger_of(USER)[1:3] == (3 * OG, 3 * OG)
    # Taking out everything deletes the ledger.
    net.tx(USER_KEY, refund(3 * OG), gas=200_000)
    assert revert_data(net.ledger.functions.getLedger(USER), USER_KEY) == err("LedgerNotExists(address)", USER)
    assert net.w3.eth.get_balance(net.addresses.ledger) == 0


def test_refund_to_zero_deletes_sub_accounts(net: Net) -> None:
    open_sub_account(net, deposit=5 * OG, transfer=2 * OG)
    # Retrieve everything from the provider, wait, collect, then empty the ledger.
    retrieve = net.ledger.functions.retrieveFund([PROVIDER], SERVICE_NAME)
    net.tx(USER_KEY, retrieve, gas=200_000)
    time_travel(net.tester, LOCK_TIME + 1)
    net.tx(USER_KEY, retrieve, gas=200_000)
    assert net.ledger_of(USER)[1:3] == (5 * OG, 5 * OG)
    net.tx(USER_KEY, net.ledger.functions.refund(5 * OG), gas=200_000)
    assert not net.inference.functions.accountExists(USER, PROVIDER).call()
    assert net.ledger.functions.getLedgerProviders(USER, SERVICE_NAME).call() == []


def test_delete_ledger_requires_empty_balance(net: Net) -> None:
    net.tx(USER_KEY, net.ledger.functions.addLedger(""), value=3 * OG)
    assert_reverts(
        net, net.ledger.functions.deleteLedger(), USER_KEY, err("MustWithdrawAllFundsFirst(uint256)", 3 * OG)
    )


# ------------------------------------------------------------------ sub-accounts

def test_transfer_fund_creates_acknowledged_sub_account(net: Net) -> None:
    net.tx(USER_KEY, net.ledger.functions.addLedger("meta"), value=10 * OG)
    transfer = net.ledger.functions.transferFund
    assert_reverts(net, transfer(PROVIDER, "inference", 2 * OG), USER_KEY,
                   err("ServiceNotFound(address)", "0x" + "00" * 20))
    assert_reverts(net, transfer(PROVIDER, SERVICE_NAME, OG - 1), USER_KEY,
                   err("MinimumDepositRequired(uint256,uint256)", OG - 1, OG))
    assert_reverts(net, transfer(PROVIDER, SERVICE_NAME, 11 * OG), USER_KEY,
                   err("InsufficientAvailableBalance(uint256,uint256)", 10 * OG, 11 * OG))

    receipt = net.tx(USER_KEY, transfer(PROVIDER, SERVICE_NAME, 2 * OG), gas=300_000)
    assert receipt["gasUsed"] < 300_000
    acct = net.account(USER)
    assert acct[:5] == (USER, PROVIDER, 0, 2 * OG, 0) and acct[6] == "meta" and acct[7] is True
    assert net.ledger_of(USER)[1:3] == (8 * OG, 10 * OG)
    assert net.ledger.functions.getLedgerProviders(USER, SERVICE_NAME).call() == [PROVIDER]
    assert net.w3.eth.get_balance(net.addresses.inference) == 100 * OG + 2 * OG  # stake + sub-account

    # A top-up of an existing sub-account.
    net.tx(USER_KEY, transfer(PROVIDER, SERVICE_NAME, OG // 2), gas=300_000)
    assert net.account(USER)[3] == 2 * OG + OG // 2


def test_inner_revert_surfaces_as_call_failed(net: Net) -> None:
    net.tx(USER_KEY, net.ledger.functions.addLedger(""), value=10 * OG)
    # addAccount rejects the zero provider address; the ledger reports CallFailed().
    assert_reverts(net, net.ledger.functions.transferFund("0x" + "00" * 20, SERVICE_NAME, OG), USER_KEY,
                   err("CallFailed()"))


def test_ledger_only_functions(net: Net) -> None:
    assert_reverts(net, net.inference.functions.addAccount(USER, PROVIDER, ""), USER_KEY,
                   err("CallerNotLedger(address)", USER))
    assert_reverts(net, net.ledger.functions.spendFund(USER, 1), USER_KEY,
                   err("CallerNotRegisteredService(address)", USER))


def test_two_phase_retrieve_with_lock_time(net: Net) -> None:
    open_sub_account(net, deposit=10 * OG, transfer=4 * OG)
    retrieve = net.ledger.functions.retrieveFund([PROVIDER], SERVICE_NAME)
    receipt = net.tx(USER_KEY, retrieve, gas=200_000)
    assert receipt["gasUsed"] < 200_000
    acct = net.account(USER)
    assert acct[3:5] == (4 * OG, 4 * OG) and acct[8] == 1 and acct[5][0][1] == 4 * OG
    assert net.inference.functions.getPendingRefund(USER, PROVIDER).call() == 4 * OG

    # Before the lock time nothing comes back and nothing new is queued.
    time_travel(net.tester, LOCK_TIME - 100)
    net.tx(USER_KEY, retrieve, gas=200_000)
    assert net.ledger_of(USER)[1] == 6 * OG and net.account(USER)[8] == 1

    time_travel(net.tester, 200)
    receipt = net.tx(USER_KEY, retrieve, gas=200_000)
    assert receipt["gasUsed"] < 200_000
    assert net.ledger_of(USER)[1:3] == (10 * OG, 10 * OG)
    assert net.account(USER)[3:5] == (0, 0)


def test_transfer_cancels_pending_refunds_first(net: Net) -> None:
    open_sub_account(net, deposit=10 * OG, transfer=4 * OG)
    net.tx(USER_KEY, net.ledger.functions.retrieveFund([PROVIDER], SERVICE_NAME), gas=200_000)
    net.tx(USER_KEY, net.ledger.functions.transferFund(PROVIDER, SERVICE_NAME, 3 * OG), gas=300_000)
    # 3 OG of the 4 OG being retrieved are taken back; no new money leaves the ledger.
    assert net.account(USER)[3:5] == (4 * OG, OG)
    assert net.ledger_of(USER)[1] == 6 * OG
    net.tx(USER_KEY, net.ledger.functions.transferFund(PROVIDER, SERVICE_NAME, 2 * OG), gas=300_000)
    assert net.account(USER)[3:5] == (5 * OG, 0) and net.account(USER)[8] == 0
    assert net.ledger_of(USER)[1] == 5 * OG


def test_retrieve_limits(net: Net) -> None:
    open_sub_account(net, deposit=20 * OG, transfer=10 * OG)
    assert_reverts(net, net.ledger.functions.retrieveFund([PROVIDER] * 21, SERVICE_NAME), USER_KEY,
                   err("TooManyProviders(uint256,uint256)", 21, 20))
    retrieve = net.ledger.functions.retrieveFund([PROVIDER], SERVICE_NAME)
    net.tx(USER_KEY, retrieve, gas=200_000)
    for _ in range(4):  # each top-up takes 1 OG back from the oldest refund; retrieve re-queues it
        net.tx(USER_KEY, net.ledger.functions.transferFund(PROVIDER, SERVICE_NAME, OG), gas=300_000)
        net.tx(USER_KEY, retrieve, gas=200_000)
    assert net.account(USER)[8] == 5
    net.tx(USER_KEY, net.ledger.functions.transferFund(PROVIDER, SERVICE_NAME, OG), gas=300_000)
    assert_reverts(net, retrieve, USER_KEY, err("TooManyRefunds(address,address)", USER, PROVIDER))


# ------------------------------------------------------------------ token revocation

def test_token_revocation_and_generation(net: Net) -> None:
    fns = net.inference.functions
    assert_reverts(net, fns.revokeToken(PROVIDER, 3), USER_KEY, err("AccountNotExists(address,address)", USER, PROVIDER))
    open_sub_account(net)
    net.tx(USER_KEY, fns.revokeToken(PROVIDER, 3), gas=200_000)
    net.tx(USER_KEY, fns.revokeTokens(PROVIDER, [0, 255]), gas=250_000)
    acct = net.account(USER)
    assert acct[9] == 0 and acct[10] == (1 << 3) | 1 | (1 << 255)
    assert fns.isTokenRevoked(USER, PROVIDER, 3).call() and not fns.isTokenRevoked(USER, PROVIDER, 4).call()
    net.tx(USER_KEY, fns.revokeAllTokens(PROVIDER), gas=200_000)
    acct = net.account(USER)
    assert acct[9] == 1 and acct[10] == 0 and not fns.isTokenRevoked(USER, PROVIDER, 3).call()


def test_user_cannot_unacknowledge_with_balance(net: Net) -> None:
    open_sub_account(net)
    assert_reverts(net, net.inference.functions.acknowledgeTEESigner(PROVIDER, False), USER_KEY,
                   err("CannotRevokeWithNonZeroBalance(address,address,uint256)", USER, PROVIDER, 2 * OG))


# ------------------------------------------------------------------ providers

def test_provider_registration_and_owner_acknowledgement(net: Net) -> None:
    fns = net.inference.functions
    params = ("chatbot", "http://x", "m", "TeeML", 1, 2, "{}", TEE_SIGNER)
    assert_reverts(net, fns.addOrUpdateService(params), PROVIDER2_KEY,
                   err("InsufficientStake(uint256,uint256)", 0, 100 * OG))
    before = net.w3.eth.get_balance(PROVIDER2)
    receipt = net.tx(PROVIDER2_KEY, fns.addOrUpdateService(params), value=100 * OG)
    assert net.w3.eth.get_balance(PROVIDER2) == before - 100 * OG - receipt["gasUsed"] * receipt["effectiveGasPrice"]
    service = fns.getService(PROVIDER2).call()
    assert service[0] == PROVIDER2 and service[9] == TEE_SIGNER and service[10] is False

    not_owner = revert_data(fns.acknowledgeTEESignerByOwner(PROVIDER2), PROVIDER2_KEY)
    assert not_owner == "Ownable: caller is not the owner" or not_owner.startswith("0x08c379a0")
    net.tx(OWNER_KEY, fns.acknowledgeTEESignerByOwner(PROVIDER2), gas=200_000)
    assert fns.getService(PROVIDER2).call()[10] is True
    # Price/URL changes keep the acknowledgement; a model change resets it.
    net.tx(PROVIDER2_KEY, fns.addOrUpdateService(("chatbot", "http://y", "m", "TeeML", 5, 6, "{}", TEE_SIGNER)))
    assert fns.getService(PROVIDER2).call()[10] is True
    net.tx(PROVIDER2_KEY, fns.addOrUpdateService(("chatbot", "http://y", "m2", "TeeML", 5, 6, "{}", TEE_SIGNER)))
    assert fns.getService(PROVIDER2).call()[10] is False
    assert_reverts(net, fns.addOrUpdateService(params), PROVIDER2_KEY, err("CannotAddStakeWhenUpdating()"),
                   value=OG)

    services, total = fns.getAllServices(0, 50).call()
    assert total == 2 and {s[0] for s in services} == {PROVIDER, PROVIDER2}
    assert fns.getAllServices(1, 1).call()[0][0][0] in {PROVIDER, PROVIDER2}
    assert revert_data(fns.getAllServices(0, 51), USER_KEY) == err("LimitTooLarge(uint256,uint256)", 51, 50)
    assert revert_data(fns.getService(USER), USER_KEY) == err("ServiceNotExist(address)", USER)

    before = net.w3.eth.get_balance(PROVIDER2)
    receipt = net.tx(PROVIDER2_KEY, fns.removeService())
    assert net.w3.eth.get_balance(PROVIDER2) == before + 100 * OG - receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert not fns.serviceExists(PROVIDER2).call()


# ------------------------------------------------------------------ settlement

def settlement(net: Net, user: str, fee: int, nonce: int, key: str = TEE_KEY, provider: str = PROVIDER) -> tuple:
    requests_hash = keccak(text=f"requests-{nonce}")
    signed = Account.sign_typed_data(
        key,
        domain_data={
            "name": "0G Inference Serving", "version": "1",
            "chainId": 31337, "verifyingContract": net.addresses.inference,
        },
        message_types={"TEESettlement": [
            {"name": "requestsHash", "type": "bytes32"}, {"name": "nonce", "type": "uint256"},
            {"name": "provider", "type": "address"}, {"name": "user", "type": "address"},
            {"name": "totalFee", "type": "uint256"},
        ]},
        message_data={"requestsHash": requests_hash, "nonce": nonce, "provider": provider,
                      "user": user, "totalFee": fee},
    )
    return (user, provider, fee, requests_hash, nonce, signed.signature)


def test_settlement_with_eip712_signatures(net: Net) -> None:
    open_sub_account(net, deposit=10 * OG, transfer=3 * OG)
    settle = net.inference.functions.settleFeesWithTEE
    fee = 12345 * 10**9

    # A wrong signer, a foreign provider: statuses, nothing moves.
    bad = [settlement(net, USER, fee, 1, key="0x" + "55" * 32), settlement(net, USER, fee, 1, provider=PROVIDER2)]
    assert settle(bad).call({"from": PROVIDER}) == [5, 2]
    net.tx(PROVIDER_KEY, settle(bad))
    assert net.account(USER)[2:4] == (0, 3 * OG)

    good = [settlement(net, USER, fee, 1)]
    assert settle(good).call({"from": PROVIDER}) == [0]
    before = net.w3.eth.get_balance(PROVIDER)
    receipt = net.tx(PROVIDER_KEY, settle(good))
    gas_cost = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert net.w3.eth.get_balance(PROVIDER) == before + fee - gas_cost
    assert net.account(USER)[2:4] == (1, 3 * OG - fee)
    assert net.ledger_of(USER)[1:3] == (7 * OG, 10 * OG - fee)
    logs = net.inference.events.TEESettlementResult().process_receipt(receipt, errors=DISCARD)
    assert [(e.args.user, e.args.status, e.args.unsettledAmount) for e in logs] == [(USER, 0, 0)]

    # Replayed nonce, then a fee larger than the balance is settled partially.
    assert settle(good).call({"from": PROVIDER}) == [4]
    partial = [settlement(net, USER, 5 * OG, 2)]
    assert settle(partial).call({"from": PROVIDER}) == [1]
    net.tx(PROVIDER_KEY, settle(partial))
    assert net.account(USER)[2:4] == (2, 0)
    assert net.ledger_of(USER)[1:3] == (7 * OG, 7 * OG)

    assert revert_data(settle([]), PROVIDER_KEY) == err("NoSettlementsProvided()")


def test_settlement_requires_acknowledged_signer(net: Net) -> None:
    open_sub_account(net)
    net.tx(OWNER_KEY, net.inference.functions.revokeTEESignerAcknowledgement(PROVIDER))
    assert net.inference.functions.settleFeesWithTEE([settlement(net, USER, 1, 1)]).call({"from": PROVIDER}) == [3]


def test_settlement_eats_pending_refunds_newest_first(net: Net) -> None:
    open_sub_account(net, deposit=10 * OG, transfer=3 * OG)
    net.tx(USER_KEY, net.ledger.functions.retrieveFund([PROVIDER], SERVICE_NAME), gas=200_000)
    net.tx(PROVIDER_KEY, net.inference.functions.settleFeesWithTEE([settlement(net, USER, OG, 1)]))
    assert net.account(USER)[3:5] == (2 * OG, 2 * OG)
    assert net.ledger_of(USER)[1:3] == (7 * OG, 9 * OG)


# ------------------------------------------------------------------ the unmodified SDK

def test_sdk_drives_our_contracts(net: Net) -> None:
    from zerog_py_sdk.broker import ZGServingBroker

    account = Account.from_key(USER2_KEY)
    broker = ZGServingBroker(account, net.w3, net.addresses.inference, net.addresses.ledger,
                             net.addresses.fine_tuning)
    broker.ledger.add_ledger("3")
    ledger = broker.ledger.get_ledger()
    assert json.dumps(str(ledger))  # a readable object
    assert net.ledger_of(USER2)[1:3] == (3 * OG, 3 * OG)
    broker.ledger.transfer_fund(PROVIDER, "inference", 2 * 10**18)
    assert net.account(USER2, PROVIDER)[3] == 2 * OG and net.account(USER2, PROVIDER)[7] is True
    services = broker.inference.list_service()
    assert [s.provider for s in services] == [PROVIDER]

    # A revert's custom error decodes through the SDK's decoder.
    data = revert_data(net.ledger.functions.addLedger(""), USER2_KEY, value=3 * OG)
    decoded = decode_contract_error(data)
    assert decoded is not None and decoded.name == "LedgerExists" and decoded.args == (USER2.lower(),)
    assert "LedgerExists" in decoded.format_reason()
