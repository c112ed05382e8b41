"""The local chain behaves like a hardhat/geth node for web3 8 and the 0G SDK."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
import requests
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractCustomError

from og_devnet.accounts import (
    ACCOUNTS,
    DEPLOYER,
    LOCAL_LLM_WALLET,
    PROVIDER_WALLETS,
    USERS,
    tee_address,
    tee_key,
)
from og_devnet.chain import ChainNode

OG = 10**18
JSON = {"Content-Type": "application/json"}
# Runtime code that always reverts with the 4 bytes 0x12345678 (a custom error with no args).
REVERTER_RUNTIME = bytes.fromhex("6312345678" "60e0" "1b" "6000" "52" "6004" "6000" "fd")
# Runtime that returns the 32-byte word 42.
FORTY_TWO_RUNTIME = bytes.fromhex("602a" "6000" "52" "6020" "6000" "f3")


def _init_code(runtime: bytes) -> bytes:
    n = len(runtime)
    return bytes.fromhex(f"60{n:02x}600c60003960{n:02x}6000f3") + runtime


@pytest.fixture(scope="module")
def node() -> Iterator[ChainNode]:
    n = ChainNode()
    n.start()
    yield n
    n.stop()


@pytest.fixture(scope="module")
def w3(node: ChainNode) -> Web3:
    return Web3(Web3.HTTPProvider(node.url))


def rpc(node: ChainNode, method: str, params: list | None = None) -> dict:
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params or []}
    return requests.post(node.url, json=body, timeout=30).json()


def send(w3: Web3, key: str, **tx) -> str:
    acct = Account.from_key(key)
    tx.setdefault("nonce", w3.eth.get_transaction_count(acct.address, "pending"))
    tx.setdefault("chainId", 31337)
    tx.setdefault("gasPrice", w3.eth.gas_price)
    tx.setdefault("gas", 21000)
    tx = {k: v for k, v in tx.items() if v is not None}
    return w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction)


def deploy(w3: Web3, runtime: bytes) -> str:
    receipt = w3.eth.wait_for_transaction_receipt(send(w3, USERS[9][1], data=_init_code(runtime), gas=200_000))
    assert receipt.status == 1
    return receipt.contractAddress


def test_accounts_are_the_hardhat_ones() -> None:
    assert len(ACCOUNTS) == 21  # hardhat's 20 and #20 of the same mnemonic
    assert DEPLOYER[0] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert DEPLOYER[1] == "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
    assert USERS[0][0] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert len(USERS) == 10 and len(PROVIDER_WALLETS) == 9
    assert PROVIDER_WALLETS[4][0] == "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"  # hardhat #19
    assert ACCOUNTS[14] not in PROVIDER_WALLETS and len(set(PROVIDER_WALLETS)) == 9  # #14 left free
    assert LOCAL_LLM_WALLET == ACCOUNTS[14]  # the optional language model's: never a catalogue provider's
    assert tee_key("chat") == tee_key("chat") != tee_key("image")
    assert Account.from_key(tee_key("chat")).address == tee_address("chat")


def test_identity_and_funding(node: ChainNode, w3: Web3) -> None:
    assert w3.eth.chain_id == 31337
    assert rpc(node, "net_version")["result"] == "31337"
    assert "og-devnet" in w3.client_version
    for address, _ in ACCOUNTS:
        assert w3.eth.get_balance(address) >= 9_999 * OG
    assert w3.eth.get_balance("0x" + "00" * 20) == 10_000 * OG


def test_transfers_mine_immediately_legacy_and_1559(w3: Web3) -> None:
    start = w3.eth.block_number
    key = USERS[0][1]
    h1 = send(w3, key, to=USERS[1][0], value=OG)
    r1 = w3.eth.get_transaction_receipt(h1)  # no waiting needed: automine
    assert r1.status == 1 and r1.gasUsed == 21000 and r1.blockNumber == start + 1
    h2 = send(w3, key, to=USERS[1][0], value=OG, gasPrice=None, maxFeePerGas=10**10,
              maxPriorityFeePerGas=10**9)
    r2 = w3.eth.get_transaction_receipt(h2)
    assert r2.status == 1 and r2.type == 2 and r2.blockNumber == start + 2
    tx = w3.eth.get_transaction(h2)
    assert tx["from"] == USERS[0][0] and tx["chainId"] == 31337 and tx["value"] == OG
    block = w3.eth.get_block(start + 2, full_transactions=True)
    assert block.transactions[0]["hash"] == h2
    assert block.timestamp > w3.eth.get_block(start + 1).timestamp
    assert w3.eth.get_transaction_count(USERS[0][0], "pending") == w3.eth.get_transaction_count(USERS[0][0])


def test_wrong_chain_id_rejected(node: ChainNode, w3: Web3) -> None:
    acct = Account.from_key(USERS[2][1])
    tx = {"to": USERS[3][0], "value": 1, "gas": 21000, "gasPrice": w3.eth.gas_price,
          "nonce": w3.eth.get_transaction_count(acct.address), "chainId": 1}
    out = rpc(node, "eth_sendRawTransaction", ["0x" + acct.sign_transaction(tx).raw_transaction.hex()])
    assert out["error"]["code"] == -32000 and "invalid chain id" in out["error"]["message"]


def test_reverts_are_geth_style(node: ChainNode, w3: Web3) -> None:
    bad = deploy(w3, REVERTER_RUNTIME)
    for method in ("eth_call", "eth_estimateGas"):
        err = rpc(node, method, [{"to": bad, "data": "0x"}])["error"]  # no "from", like the SDK
        assert err == {"code": 3, "message": "execution reverted", "data": "0x12345678"}
    with pytest.raises(ContractCustomError) as info:
        w3.eth.call({"to": bad})
    assert "0x12345678" in str(info.value.data)
    # A reverting transaction is still mined: status 0, gas charged, nonce used.
    sender = USERS[4][0]
    balance, nonce = w3.eth.get_balance(sender), w3.eth.get_transaction_count(sender)
    h = send(w3, USERS[4][1], to=bad, gas=60_000)
    receipt = w3.eth.get_transaction_receipt(h)
    assert receipt.status == 0 and 21_000 < receipt.gasUsed < 60_000
    assert w3.eth.get_transaction_count(sender) == nonce + 1
    assert w3.eth.get_balance(sender) == balance - receipt.gasUsed * receipt.effectiveGasPrice


def test_call_and_estimate(node: ChainNode, w3: Web3) -> None:
    good = deploy(w3, FORTY_TWO_RUNTIME)
    assert int.from_bytes(w3.eth.call({"to": good}), "big") == 42
    assert w3.eth.estimate_gas({"to": USERS[5][0], "value": 1, "from": USERS[5][0]}) == 21000
    est = w3.eth.estimate_gas({"to": good})
    h = send(w3, USERS[5][1], to=good, gas=est)
    assert w3.eth.get_transaction_receipt(h).status == 1
    assert w3.eth.get_code(good) == FORTY_TWO_RUNTIME


def test_invalid_transactions_get_geth_errors(node: ChainNode, w3: Web3) -> None:
    poor = Account.create()
    assert rpc(node, "hardhat_setBalance", [poor.address, hex(10**15)])["result"] is True
    assert w3.eth.get_balance(poor.address) == 10**15
    before = rpc(node, "devnet_txCount")["result"]
    tx = {"to": USERS[0][0], "value": OG, "gas": 21000, "gasPrice": 10**9, "nonce": 0, "chainId": 31337}
    raw = "0x" + poor.sign_transaction(tx).raw_transaction.hex()
    err = rpc(node, "eth_sendRawTransaction", [raw])["error"]
    assert err["code"] == -32000 and err["message"].startswith("insufficient funds for gas * price + value")
    ok = dict(tx, value=1)
    assert "result" in rpc(node, "eth_sendRawTransaction", ["0x" + poor.sign_transaction(ok).raw_transaction.hex()])
    err = rpc(node, "eth_sendRawTransaction", ["0x" + poor.sign_transaction(ok).raw_transaction.hex()])["error"]
    assert "nonce too low" in err["message"]
    err = rpc(node, "eth_sendRawTransaction", ["0x" + poor.sign_transaction(dict(ok, nonce=5)).raw_transaction.hex()])
    assert "nonce too high" in err["error"]["message"]
    err = rpc(node, "eth_sendRawTransaction", ["0x" + poor.sign_transaction(dict(ok, nonce=1, gas=20000)).raw_transaction.hex()])
    assert "intrinsic gas too low" in err["error"]["message"]
    assert rpc(node, "eth_sendRawTransaction", ["0xdeadbeef"])["error"]["code"] == -32000
    assert rpc(node, "devnet_txCount")["result"] == before + 6


def test_protocol_errors_and_batches(node: ChainNode) -> None:
    assert requests.post(node.url, data=b"{not json", headers=JSON, timeout=5).json()["error"]["code"] == -32700
    assert rpc(node, "eth_nope")["error"]["code"] == -32601
    assert rpc(node, "eth_getBalance", ["0x1234"])["error"]["code"] == -32602
    assert rpc(node, "eth_getBalance", [])["error"]["code"] == -32602
    assert rpc(node, "eth_call", [{"to": "0xzz"}])["error"]["code"] == -32602
    assert rpc(node, "eth_call", ["not an object"])["error"]["code"] == -32602
    assert rpc(node, "evm_increaseTime", [-5])["error"]["code"] == -32602
    batch = [{"jsonrpc": "2.0", "id": i, "method": m, "params": []}
             for i, m in enumerate(["eth_chainId", "eth_blockNumber", "nope"])]
    out = requests.post(node.url, json=batch, timeout=5).json()
    assert [o["id"] for o in out] == [0, 1, 2] and out[0]["result"] == "0x7a69" and "error" in out[2]
    big = requests.post(node.url, data=b"x" * (9 * 1024 * 1024), headers=JSON, timeout=10)
    assert big.status_code == 413
    assert rpc(node, "eth_chainId")["result"] == "0x7a69"  # still up


def _strict_json(raw: bytes) -> object:
    def refuse(name: str) -> None:
        raise AssertionError(f"the reply holds {name}, which is not JSON: {raw!r}")
    return json.loads(raw, parse_constant=refuse)


@pytest.mark.parametrize("rid", ["NaN", "Infinity", "-Infinity"])
def test_a_non_json_id_is_a_parse_error_and_every_reply_is_json(node: ChainNode, rid: str) -> None:
    for body in (f'{{"jsonrpc":"2.0","id":{rid},"method":"eth_chainId","params":[]}}',
                 f'[{{"jsonrpc":"2.0","id":{rid},"method":"eth_chainId","params":[]}}]'):
        r = requests.post(node.url, data=body.encode(), headers=JSON, timeout=5)
        reply = _strict_json(r.content)
        assert reply == {"jsonrpc": "2.0", "id": None,
                         "error": {"code": -32700, "message": f"parse error: {rid} is not a JSON value"}}


def test_web_pages_cannot_reach_the_node(node: ChainNode, w3: Web3) -> None:
    """A site the user visits could otherwise mint funds or move time on their local chain: a "simple"
    cross-site POST (text/plain, no preflight) ran hardhat_setBalance, and CORS `*` let it read replies."""
    victim = USERS[9][0]
    before = w3.eth.get_balance(victim)
    attack = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "hardhat_setBalance",
                         "params": [victim, hex(12345)]}).encode()
    for headers in ({"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"},
                    {"Content-Type": "multipart/form-data; boundary=x"}, {}):
        r = requests.post(node.url, data=attack, headers=headers, timeout=5)
        assert r.status_code == 415 and "Content-Type: application/json" in r.json()["error"]["message"]
        assert "Access-Control-Allow-Origin" not in r.headers
    from_page = requests.post(node.url, data=attack, headers={**JSON, "Origin": "https://evil.example"}, timeout=5)
    assert from_page.status_code == 403 and "web pages" in from_page.json()["error"]["message"]
    preflight = requests.options(node.url, headers={"Origin": "https://evil.example",
                                                    "Access-Control-Request-Method": "POST"}, timeout=5)
    assert preflight.status_code == 403 and not any(h.lower().startswith("access-control-")
                                                    for h in preflight.headers)
    assert w3.eth.get_balance(victim) == before
    ok = requests.post(node.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}, timeout=5)
    assert ok.json()["result"] == "0x7a69" and "Access-Control-Allow-Origin" not in ok.headers


def test_timestamps_past_64_bits_are_refused_in_words(node: ChainNode, w3: Web3) -> None:
    """A block timestamp is a uint64: one past it was accepted, and every later block then failed."""
    for method, params in (("evm_setNextBlockTimestamp", [2**64]), ("evm_setNextBlockTimestamp", [hex(2**70)]),
                           ("evm_mine", [hex(2**64)]), ("evm_increaseTime", [2**64])):
        err = rpc(node, method, params)["error"]
        assert err["code"] == -32602 and "2^64" in err["message"], (method, err)
    n = w3.eth.block_number
    send(w3, USERS[6][1], to=USERS[7][0], value=1)  # the chain still mines
    assert w3.eth.block_number == n + 1 and w3.eth.get_block("latest").timestamp < 2**63


def test_time_controls(node: ChainNode, w3: Web3) -> None:
    t0 = w3.eth.get_block("latest").timestamp
    rpc(node, "evm_increaseTime", [86_400])
    rpc(node, "evm_mine")
    t1 = w3.eth.get_block("latest").timestamp
    # Rapid blocks may run a few seconds ahead of the wall clock (each needs ts > parent's).
    assert t1 >= int(time.time()) + 86_400 - 2 and 86_400 - 60 < t1 - t0 < 86_400 + 60
    target = t1 + 1000
    assert rpc(node, "evm_setNextBlockTimestamp", [target])["result"] is True
    assert "error" in rpc(node, "eth_sendRawTransaction", ["0x00"])  # a rejected tx keeps the timestamp
    send(w3, USERS[6][1], to=USERS[7][0], value=1)
    assert w3.eth.get_block("latest").timestamp == target
    assert rpc(node, "evm_setNextBlockTimestamp", [target])["error"]["code"] == -32000


def test_logs_fee_history_and_keepalive(node: ChainNode, w3: Web3) -> None:
    # LOG1 with topic 0xabc and data word 7: PUSH1 7 PUSH1 0 MSTORE PUSH2 0abc PUSH1 32 PUSH1 0 LOG1 STOP
    logger = deploy(w3, bytes.fromhex("6007600052610abc60206000a100"))
    h = send(w3, USERS[8][1], to=logger, gas=100_000)
    receipt = w3.eth.get_transaction_receipt(h)
    assert len(receipt.logs) == 1 and receipt.logs[0].topics[0].hex().endswith("0abc")
    logs = w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": logger})
    assert len(logs) == 1 and int(logs[0]["data"].hex(), 16) == 7
    assert w3.eth.get_logs({"fromBlock": 0, "address": logger, "topics": ["0x" + "00" * 32]}) == []
    history = w3.eth.fee_history(3, "latest", [50])
    assert len(history["baseFeePerGas"]) == 4 and len(history["reward"]) == 3
    assert w3.eth.max_priority_fee == 10**9
    # HTTP/1.1 keep-alive: many requests over one connection.
    parsed = urlparse(node.url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=5)
    for _ in range(3):
        conn.request("POST", "/", json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}),
                     {"Content-Type": "application/json"})
        assert json.loads(conn.getresponse().read())["result"] == "0x7a69"
    conn.close()


def test_concurrent_clients(node: ChainNode, w3: Web3) -> None:
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            local = Web3(Web3.HTTPProvider(node.url))
            for _ in range(5):
                send(local, PROVIDER_WALLETS[i][1], to=USERS[0][0], value=1)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(w3.eth.get_transaction_count(PROVIDER_WALLETS[i][0]) == 5 for i in range(3))


def test_sdk_broker_connects(node: ChainNode) -> None:
    from zerog_py_sdk import create_broker

    broker = create_broker(USERS[0][1], network="hardhat", rpc_url=node.url)
    assert broker.web3.eth.chain_id == 31337


def test_throughput(node: ChainNode, w3: Web3) -> None:
    """Prints requests/s (run with -s); asserts only a generous floor."""
    good = deploy(w3, FORTY_TWO_RUNTIME)
    rates = {}
    for name, fn, n in (
        ("eth_blockNumber req/s", lambda: w3.eth.block_number, 300),
        ("eth_call req/s", lambda: w3.eth.call({"to": good}), 200),
        ("transfer tx/s", lambda: send(w3, USERS[9][1], to=USERS[8][0], value=1, gasPrice=10**10), 100),
    ):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        rates[name] = n / (time.perf_counter() - t)
    print("\nchain throughput:", {k: round(v) for k, v in rates.items()})
    assert rates["eth_blockNumber req/s"] > 100 and rates["transfer tx/s"] > 5


def test_automine_off_keeps_transactions_pending_until_evm_mine(node: ChainNode, w3: Web3) -> None:
    sender, key = USERS[7]
    receiver = Account.create().address
    start_nonce = w3.eth.get_transaction_count(sender)
    assert rpc(node, "evm_setAutomine", [False])["result"] is True
    try:
        first = send(w3, key, to=receiver, value=1)
        second = send(w3, key, to=receiver, value=2)  # the pending count lets a second one follow
        assert w3.eth.get_transaction_count(sender, "pending") == start_nonce + 2
        assert w3.eth.get_transaction_count(sender) == start_nonce
        tx = w3.eth.get_transaction(first)
        assert tx["blockNumber"] is None and tx["nonce"] == start_nonce
        assert rpc(node, "eth_getTransactionReceipt", [Web3.to_hex(first)])["result"] is None
        assert w3.eth.get_balance(receiver) == 0
        assert "already known" in rpc(node, "eth_sendRawTransaction", [_resigned(w3, key, receiver, start_nonce)])[
            "error"]["message"]
        head = w3.eth.block_number
        rpc(node, "evm_mine")
        assert w3.eth.block_number == head + 1
        r1, r2 = w3.eth.get_transaction_receipt(first), w3.eth.get_transaction_receipt(second)
        assert r1.status == r2.status == 1 and r1.blockNumber == r2.blockNumber == head + 1
        assert w3.eth.get_balance(receiver) == 3 and w3.eth.get_transaction_count(sender) == start_nonce + 2
        third = send(w3, key, to=receiver, value=4)
    finally:
        assert rpc(node, "evm_setAutomine", [True])["result"] is True  # mines what is still queued
    assert w3.eth.get_transaction_receipt(third).status == 1
    send(w3, key, to=receiver, value=8)  # automine is back: mined at once
    assert w3.eth.get_balance(receiver) == 15
    assert "error" in rpc(node, "evm_setAutomine", ["yes"])


def _resigned(w3: Web3, key: str, to: str, nonce: int) -> str:
    """The exact raw bytes of the first transaction above (same fields → same hash)."""
    tx = {"to": to, "value": 1, "nonce": nonce, "chainId": 31337, "gasPrice": w3.eth.gas_price, "gas": 21000}
    return Web3.to_hex(Account.from_key(key).sign_transaction(tx).raw_transaction)


def test_deeply_nested_json_is_a_parse_error_not_a_crash() -> None:
    """py-evm raises the recursion limit, so without a depth check CPython's JSON parser overflows
    the C stack on `[[[[…` and the whole network dies. Run in a network process of its own, so a
    regression kills only that process."""
    from og_devnet.launch import start_devnet

    with start_devnet(port=0) as handle:
        for body in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
            r = requests.post(handle.rpc_url, data=body, headers=JSON, timeout=30)
            assert r.json()["error"] == {"code": -32700, "message": "parse error: exceeded max depth"}
        ok = requests.post(handle.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}, timeout=5)
        assert ok.json()["result"] == "0x7a69" and handle.process.poll() is None
