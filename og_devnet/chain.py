"""A local EVM chain (eth-tester's py-evm backend) behind a hardhat-like JSON-RPC server.

Chain id 31337, every hardhat account (and the zero address) funded, automine: each
accepted `eth_sendRawTransaction` is mined at once in its own block (`evm_setAutomine false` queues
them as pending until `evm_mine`, for tests of slow confirmations). A reverting
transaction is mined with status 0 and charged gas, as on geth/hardhat. Reverts of
`eth_call` / `eth_estimateGas` come back geth-style (code 3, revert bytes in `data`) so
web3 decodes custom errors. eth-tester's own `EthereumTester` layer is bypassed: it cannot
report revert bytes, and looking a receipt up is linear in chain height; we talk to the
py-evm chain directly and keep our own indexes.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import rlp
from eth.exceptions import Revert
from eth.vm.spoof import SpoofTransaction
from eth_tester import PyEVMBackend
from eth_utils import ValidationError as EVMValidationError
from eth_utils import keccak, to_canonical_address, to_checksum_address

from og_devnet import jsonsafe
from og_devnet.accounts import FUNDED_ACCOUNTS

CHAIN_ID = 31337
OG = 10**18
DEFAULT_BALANCE = 10_000 * OG
ZERO_ADDRESS = b"\x00" * 20
MAX_BODY = 8 * 1024 * 1024  # bytes; larger requests get HTTP 413
MAX_TIMESTAMP = 2**64  # block timestamps are uint64: a larger one would make every later block fail
PRIORITY_FEE = 10**9  # what eth_maxPriorityFeePerGas suggests (1 gwei)
CLIENT_VERSION = "og-devnet/0.1.0/eth-tester-py-evm"


class RpcError(Exception):
    """A JSON-RPC error object."""

    def __init__(self, code: int, message: str, data: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data

    def to_json(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            err["data"] = self.data
        return err


def _invalid(msg: str) -> RpcError:
    return RpcError(-32602, f"invalid argument: {msg}")


# ----------------------------------------------------------------------------- encoding helpers
def _hex(n: int) -> str:
    return hex(n)


def _b(data: bytes) -> str:
    return "0x" + bytes(data).hex()


def _word(n: int) -> str:
    return "0x" + n.to_bytes(32, "big").hex()


def _qty(value: Any, what: str = "quantity") -> int:
    if isinstance(value, bool):
        raise _invalid(f"{what}: not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value[:2] in ("0x", "0X"):
        try:
            return int(value, 16)
        except ValueError:
            pass
    raise _invalid(f"{what}: expected a 0x-hex quantity, got {value!r}")


def _data(value: Any, what: str = "data") -> bytes:
    if not isinstance(value, str) or value[:2] not in ("0x", "0X"):
        raise _invalid(f"{what}: expected 0x-hex bytes")
    try:
        return bytes.fromhex(value[2:])
    except ValueError as exc:
        raise _invalid(f"{what}: {exc}") from None


def _addr(value: Any, what: str = "address") -> bytes:
    raw = _data(value, what)
    if len(raw) != 20:
        raise _invalid(f"{what}: expected 20 bytes")
    return raw


def _param(params: list, i: int, default: Any = ...) -> Any:
    if i < len(params) and params[i] is not None:
        return params[i]
    if default is ...:
        raise _invalid(f"missing value for required argument {i}")
    return default


@dataclass
class _MinedTx:
    tx: dict[str, Any]
    receipt: dict[str, Any]


class ChainNode:
    """In-process chain + JSON-RPC server. All chain access is serialized by one lock."""

    def __init__(self, *, chain_id: int = CHAIN_ID, balance: int = DEFAULT_BALANCE) -> None:
        state = {"balance": balance, "nonce": 0, "code": b"", "storage": {}}
        genesis = {to_canonical_address(a): dict(state) for a, _ in FUNDED_ACCOUNTS}
        genesis[ZERO_ADDRESS] = dict(state)
        self._backend = PyEVMBackend(genesis_state=genesis)
        self._chain = self._backend.chain
        # The tester chain class hard-codes its id; get_vm() reads this attribute.
        self._chain.chain_id = chain_id
        self.chain_id = chain_id
        self._lock = threading.RLock()
        self._mined: dict[bytes, _MinedTx] = {}
        self._logs: list[tuple[int, bytes, tuple[int, ...], dict[str, Any]]] = []
        self._time_offset = 0
        self._next_timestamp: int | None = None
        self.tx_count = 0  # eth_sendRawTransaction calls, accepted or not
        self._automine = True
        self._pool: list[Any] = []  # accepted while automine is off; mined by evm_mine, in order
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._methods = {
            name[4:]: getattr(self, name) for name in dir(self) if name.startswith("rpc_")
        }

    # ------------------------------------------------------------------ JSON-RPC dispatch
    def request(self, method: str, params: list | None = None) -> Any:
        """Run one RPC method in-process (raises RpcError)."""
        fn = self._methods.get(method)
        if fn is None:
            raise RpcError(-32601, f"the method {method} does not exist/is not available")
        if params is None:
            params = []
        if not isinstance(params, list):
            raise RpcError(-32602, "invalid params: expected an array")
        with self._lock:
            return fn(params)

    def handle_json(self, body: bytes) -> bytes:
        """One HTTP body in (single or batch JSON-RPC), one body out."""
        try:
            payload = jsonsafe.loads(body)  # nesting is checked first: py-evm's recursion limit lets
        except ValueError as exc:  # the C parser overflow the stack on `[[[[…` (a segfault)
            known = "max depth" in str(exc) or "not a JSON value" in str(exc)
            message = f"parse error: {exc}" if known else "parse error"
            return _dump({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": message}})
        if isinstance(payload, list):
            if not payload:
                return _dump(_err_obj(None, RpcError(-32600, "empty batch")))
            return _dump([self._handle_one(item) for item in payload])
        return _dump(self._handle_one(payload))

    def _handle_one(self, item: Any) -> dict[str, Any]:
        if not isinstance(item, dict) or not isinstance(item.get("method"), str):
            return _err_obj(item.get("id") if isinstance(item, dict) else None,
                            RpcError(-32600, "invalid request"))
        rid = item.get("id")
        try:
            result = self.request(item["method"], item.get("params"))
        except RpcError as exc:
            return _err_obj(rid, exc)
        except Exception as exc:  # noqa: BLE001 - the server must survive any bug
            return _err_obj(rid, RpcError(-32603, f"internal error: {type(exc).__name__}: {exc}"))
        return {"jsonrpc": "2.0", "id": rid, "result": result}

    # ------------------------------------------------------------------ HTTP server
    def start(self, port: int = 0) -> str:
        """Serve JSON-RPC on 127.0.0.1:port in a daemon thread; returns the URL."""
        if self._server is not None:
            return self.url
        self._server = _make_server(self, port)
        self._thread = threading.Thread(target=self._server.serve_forever, name="og-devnet-rpc", daemon=True)
        self._thread.start()
        return self.url

    def serve_forever(self, port: int = 0) -> None:
        """Serve in the calling thread until stop() (from another thread) or KeyboardInterrupt."""
        self._server = _make_server(self, port)
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("ChainNode is not serving")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ChainNode:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ chain internals
    def _head(self):
        return self._chain.get_canonical_head()

    def _peek_timestamp(self) -> int:
        """Timestamp the next block will get (hardhat semantics: wall clock + offset)."""
        parent_ts = self._head().timestamp
        if self._next_timestamp is not None:
            return max(self._next_timestamp, parent_ts + 1)
        return max(parent_ts + 1, int(time.time()) + self._time_offset)

    def _prepare_pending(self) -> None:
        """Fresh, empty pending header on top of the head with the right timestamp."""
        ts = self._peek_timestamp()
        self._chain.header = self._chain.create_header_from_parent(self._head(), timestamp=ts)

    def _mine(self) -> Any:
        self._next_timestamp = None  # consumed only by a block actually mined
        self._backend.mine_blocks(1)
        return self._chain.get_canonical_block_by_number(self._head().block_number)

    def _resolve_block(self, tag: Any) -> int:
        head = self._head().block_number
        if isinstance(tag, dict):
            if "blockHash" in tag:
                try:
                    return self._chain.get_block_header_by_hash(_data(tag["blockHash"])).block_number
                except Exception:  # noqa: BLE001
                    raise RpcError(-32000, "header for hash not found") from None
            tag = tag.get("blockNumber", "latest")
        if tag in ("latest", "pending", "safe", "finalized"):
            return head
        if tag == "earliest":
            return 0
        number = _qty(tag, "block number")
        if number > head:
            raise RpcError(-32000, "header not found")
        return number

    def _state_at(self, tag: Any):
        header = self._chain.get_canonical_block_header_by_number(self._resolve_block(tag))
        return self._chain.get_vm(header).state

    def _call_vm(self, tag: Any):
        """A VM for a would-be next block on top of `tag`, with base fee 0 (free calls)."""
        number = self._resolve_block(tag)
        parent = self._chain.get_canonical_block_header_by_number(number)
        ts = self._peek_timestamp() if number == self._head().block_number else parent.timestamp + 1
        header = self._chain.create_header_from_parent(parent, timestamp=ts)
        return self._chain.get_vm(header.copy(base_fee_per_gas=0))

    def _execute(self, call: Any, tag: Any, gas: int | None = None) -> tuple[Any, Any, int]:
        """Run a call object on a throw-away state: (computation, tx, gas used)."""
        if not isinstance(call, dict):
            raise _invalid("transaction object expected")
        vm = self._call_vm(tag)
        state = vm.state
        sender = _addr(call["from"], "from") if call.get("from") else ZERO_ADDRESS
        limit = vm.get_header().gas_limit
        if gas is None:
            gas = min(_qty(call["gas"], "gas"), limit) if call.get("gas") else limit
        data = call.get("input") if call.get("input") is not None else call.get("data")
        unsigned = vm.get_transaction_builder().new_unsigned_dynamic_fee_transaction(
            chain_id=self.chain_id,
            nonce=state.get_nonce(sender),
            max_priority_fee_per_gas=0,
            max_fee_per_gas=0,
            gas=gas,
            to=_addr(call["to"], "to") if call.get("to") else b"",
            value=_qty(call.get("value") or "0x0", "value"),
            data=_data(data, "input") if data else b"",
            access_list=(),
        )
        tx = SpoofTransaction(unsigned, from_=sender)
        snapshot = state.snapshot()
        try:
            computation = state.apply_transaction(tx)
        except EVMValidationError as exc:
            raise RpcError(-32000, _geth_message(str(exc))) from None
        finally:
            state.revert(snapshot)
        return computation, tx, type(vm).finalize_gas_used(tx, computation)

    @staticmethod
    def _raise_if_failed(computation: Any, gas: int) -> None:
        if not computation.is_error:
            return
        error = computation.error
        if isinstance(error, Revert):
            raise RpcError(3, "execution reverted", _b(computation.output))
        if "OutOfGas" in type(error).__name__:
            raise RpcError(-32000, f"gas required exceeds allowance ({gas})")
        raise RpcError(-32000, f"execution failed: {type(error).__name__}: {error}")

    # ------------------------------------------------------------------ formatting
    def _format_tx(self, tx: Any, block: Any | None, index: int) -> dict[str, Any]:
        """JSON of a transaction; `block` None means still pending (block fields null, as geth)."""
        type_id = getattr(tx, "type_id", None) or 0
        out: dict[str, Any] = {
            "hash": _b(tx.hash),
            "type": _hex(type_id),
            "nonce": _hex(tx.nonce),
            "blockHash": _b(block.hash) if block is not None else None,
            "blockNumber": _hex(block.number) if block is not None else None,
            "transactionIndex": _hex(index) if block is not None else None,
            "from": to_checksum_address(tx.sender),
            "to": to_checksum_address(tx.to) if tx.to else None,
            "value": _hex(tx.value),
            "gas": _hex(tx.gas),
            "input": _b(tx.data),
            "r": _hex(tx.r),
            "s": _hex(tx.s),
        }
        header = block.header if block is not None else self._chain.create_header_from_parent(self._head())
        base_fee = getattr(header, "base_fee_per_gas", 0) or 0
        if type_id == 0:
            out["gasPrice"] = _hex(tx.gas_price)
            out["v"] = _hex(tx.v)
            if tx.chain_id is not None:
                out["chainId"] = _hex(tx.chain_id)
        else:
            out["chainId"] = _hex(tx.chain_id)
            out["v"] = out["yParity"] = _hex(tx.y_parity)
            out["accessList"] = [
                {"address": to_checksum_address(a), "storageKeys": [_word(k) for k in keys]}
                for a, keys in tx.access_list
            ]
            if type_id == 1:
                out["gasPrice"] = _hex(tx.gas_price)
            else:
                out["maxFeePerGas"] = _hex(tx.max_fee_per_gas)
                out["maxPriorityFeePerGas"] = _hex(tx.max_priority_fee_per_gas)
                out["gasPrice"] = _hex(_effective_price(tx, base_fee))
        return out

    def _record_block(self, block: Any) -> None:
        """Index a freshly mined block: formatted txs, receipts and logs."""
        receipts = block.get_receipts(self._chain.chaindb)
        previous_cumulative = 0
        log_index = 0
        base_fee = getattr(block.header, "base_fee_per_gas", 0) or 0
        for i, (tx, receipt) in enumerate(zip(block.transactions, receipts, strict=True)):
            tx_json = self._format_tx(tx, block, i)
            logs = []
            for entry in receipt.logs:
                log = {
                    "address": to_checksum_address(entry.address),
                    "topics": [_word(t) for t in entry.topics],
                    "data": _b(entry.data),
                    "blockNumber": _hex(block.number),
                    "blockHash": _b(block.hash),
                    "blockTimestamp": _hex(block.header.timestamp),
                    "transactionHash": _b(tx.hash),
                    "transactionIndex": _hex(i),
                    "logIndex": _hex(log_index),
                    "removed": False,
                }
                log_index += 1
                logs.append(log)
                self._logs.append((block.number, bytes(entry.address), tuple(entry.topics), log))
            created = None
            if not tx.to:
                created = to_checksum_address(keccak(rlp.encode([tx.sender, tx.nonce]))[12:])
            self._mined[tx.hash] = _MinedTx(tx_json, {
                "transactionHash": _b(tx.hash),
                "transactionIndex": _hex(i),
                "blockHash": _b(block.hash),
                "blockNumber": _hex(block.number),
                "from": tx_json["from"],
                "to": tx_json["to"],
                "cumulativeGasUsed": _hex(receipt.gas_used),
                "gasUsed": _hex(receipt.gas_used - previous_cumulative),
                "effectiveGasPrice": _hex(_effective_price(tx, base_fee)),
                "contractAddress": created,
                "logs": logs,
                "logsBloom": _b(receipt.bloom.to_bytes(256, "big")),
                "status": "0x1" if receipt.state_root == b"\x01" else "0x0",
                "type": tx_json["type"],
            })
            previous_cumulative = receipt.gas_used

    def _format_block(self, block: Any, full: bool) -> dict[str, Any]:
        h = block.header
        txs = [
            self._mined[tx.hash].tx if full and tx.hash in self._mined else
            (self._format_tx(tx, block, i) if full else _b(tx.hash))
            for i, tx in enumerate(block.transactions)
        ]
        out: dict[str, Any] = {
            "number": _hex(h.block_number),
            "hash": _b(h.hash),
            "parentHash": _b(h.parent_hash),
            "nonce": _b(h.nonce),
            "sha3Uncles": _b(h.uncles_hash),
            "logsBloom": _b(h.bloom.to_bytes(256, "big")),
            "transactionsRoot": _b(h.transaction_root),
            "stateRoot": _b(h.state_root),
            "receiptsRoot": _b(h.receipt_root),
            "miner": to_checksum_address(h.coinbase),
            "difficulty": _hex(h.difficulty),
            "totalDifficulty": "0x0",
            "extraData": _b(h.extra_data),
            "size": _hex(len(rlp.encode(block))),
            "gasLimit": _hex(h.gas_limit),
            "gasUsed": _hex(h.gas_used),
            "timestamp": _hex(h.timestamp),
            "mixHash": _b(h.mix_hash),
            "transactions": txs,
            "uncles": [],
        }
        for attr, key in (("base_fee_per_gas", "baseFeePerGas"), ("blob_gas_used", "blobGasUsed"),
                          ("excess_blob_gas", "excessBlobGas")):
            if hasattr(h, attr):
                out[key] = _hex(getattr(h, attr))
        for attr, key in (("withdrawals_root", "withdrawalsRoot"),
                          ("parent_beacon_block_root", "parentBeaconBlockRoot"),
                          ("requests_hash", "requestsHash")):
            if hasattr(h, attr):
                out[key] = _b(getattr(h, attr))
        if hasattr(h, "withdrawals_root"):
            out["withdrawals"] = []
        return out

    # ------------------------------------------------------------------ standard methods
    def rpc_web3_clientVersion(self, params: list) -> str:
        return CLIENT_VERSION

    def rpc_eth_chainId(self, params: list) -> str:
        return _hex(self.chain_id)

    def rpc_net_version(self, params: list) -> str:
        return str(self.chain_id)

    def rpc_net_listening(self, params: list) -> bool:
        return True

    def rpc_eth_syncing(self, params: list) -> bool:
        return False

    def rpc_eth_accounts(self, params: list) -> list[str]:
        return []  # the node holds no keys: clients sign locally

    def rpc_eth_blockNumber(self, params: list) -> str:
        return _hex(self._head().block_number)

    def rpc_eth_getBalance(self, params: list) -> str:
        addr = _addr(_param(params, 0))
        return _hex(self._state_at(_param(params, 1, "latest")).get_balance(addr))

    def rpc_eth_getTransactionCount(self, params: list) -> str:
        addr = _addr(_param(params, 0))
        tag = _param(params, 1, "latest")
        nonce = self._state_at(tag).get_nonce(addr)
        return _hex(nonce + (self._queued_from(addr) if tag == "pending" else 0))

    def _queued_from(self, sender: bytes) -> int:
        return sum(1 for tx in self._pool if tx.sender == sender)

    def rpc_eth_getCode(self, params: list) -> str:
        addr = _addr(_param(params, 0))
        return _b(self._state_at(_param(params, 1, "latest")).get_code(addr))

    def rpc_eth_getStorageAt(self, params: list) -> str:
        addr = _addr(_param(params, 0))
        slot = _qty(_param(params, 1), "slot")
        return _word(self._state_at(_param(params, 2, "latest")).get_storage(addr, slot))

    def _next_base_fee(self) -> int:
        parent = self._head()
        return self._chain.create_header_from_parent(parent).base_fee_per_gas

    def rpc_eth_gasPrice(self, params: list) -> str:
        return _hex(self._next_base_fee() + PRIORITY_FEE)

    def rpc_eth_maxPriorityFeePerGas(self, params: list) -> str:
        return _hex(PRIORITY_FEE)

    def rpc_eth_feeHistory(self, params: list) -> dict[str, Any]:
        count = _qty(_param(params, 0), "block count")
        if not 1 <= count <= 1024:
            raise _invalid("block count must be between 1 and 1024")
        newest = self._resolve_block(_param(params, 1, "latest"))
        percentiles = _param(params, 2, [])
        oldest = max(0, newest - count + 1)
        headers = [self._chain.get_canonical_block_header_by_number(n) for n in range(oldest, newest + 1)]
        out: dict[str, Any] = {
            "oldestBlock": _hex(oldest),
            "baseFeePerGas": [_hex(h.base_fee_per_gas) for h in headers]
            + [_hex(self._chain.create_header_from_parent(headers[-1]).base_fee_per_gas)],
            "gasUsedRatio": [h.gas_used / h.gas_limit for h in headers],
        }
        if percentiles:
            out["reward"] = [[_hex(PRIORITY_FEE) for _ in percentiles] for _ in headers]
        return out

    def rpc_eth_getBlockByNumber(self, params: list) -> dict[str, Any] | None:
        tag = _param(params, 0)
        full = bool(_param(params, 1, False))
        try:
            number = self._resolve_block(tag)
        except RpcError as exc:
            if exc.code == -32000:
                return None
            raise
        return self._format_block(self._chain.get_canonical_block_by_number(number), full)

    def rpc_eth_getBlockByHash(self, params: list) -> dict[str, Any] | None:
        block_hash = _data(_param(params, 0), "block hash")
        full = bool(_param(params, 1, False))
        try:
            block = self._chain.get_block_by_hash(block_hash)
        except Exception:  # noqa: BLE001 - unknown hash
            return None
        return self._format_block(block, full)

    def rpc_eth_getTransactionByHash(self, params: list) -> dict[str, Any] | None:
        tx_hash = _data(_param(params, 0), "transaction hash")
        mined = self._mined.get(tx_hash)
        if mined:
            return mined.tx
        queued = next((tx for tx in self._pool if tx.hash == tx_hash), None)
        return self._format_tx(queued, None, 0) if queued is not None else None

    def rpc_eth_getTransactionReceipt(self, params: list) -> dict[str, Any] | None:
        mined = self._mined.get(_data(_param(params, 0), "transaction hash"))
        return mined.receipt if mined else None

    def rpc_eth_call(self, params: list) -> str:
        call = _param(params, 0)
        computation, tx, _ = self._execute(call, _param(params, 1, "latest"))
        self._raise_if_failed(computation, tx.gas)
        return _b(computation.output)

    def rpc_eth_estimateGas(self, params: list) -> str:
        call = _param(params, 0)
        tag = _param(params, 1, "latest")
        computation, tx, used = self._execute(call, tag)
        cap = tx.gas
        self._raise_if_failed(computation, cap)
        # Binary search like geth: the limit must cover refunds and the 63/64 rule,
        # so gas used is a lower bound, not the answer. Stop within 1.5%.
        lo, hi = used - 1, cap
        if not self._execute(call, tag, gas=used)[0].is_error:
            return _hex(used)  # e.g. plain transfers: exactly 21000, as geth says
        lo = used
        optimistic = min(cap, (used + 2300) * 64 // 63)
        if not self._execute(call, tag, gas=optimistic)[0].is_error:
            hi = optimistic
        while hi - lo > 1 and (hi - lo) * 1000 > hi * 15:
            mid = (lo + hi) // 2
            if self._execute(call, tag, gas=mid)[0].is_error:
                lo = mid
            else:
                hi = mid
        return _hex(hi)

    def rpc_eth_getLogs(self, params: list) -> list[dict[str, Any]]:
        flt = _param(params, 0, {})
        if not isinstance(flt, dict):
            raise _invalid("filter object expected")
        if flt.get("blockHash"):
            first = last = self._resolve_block({"blockHash": flt["blockHash"]})
        else:
            first = self._resolve_block(flt.get("fromBlock") or "latest")
            last = self._resolve_block(flt.get("toBlock") or "latest")
        addresses = flt.get("address")
        if isinstance(addresses, str):
            addresses = [addresses]
        wanted = {_addr(a) for a in addresses} if addresses else None
        topic_sets: list[set[int] | None] = []
        for t in flt.get("topics") or []:
            if t is None:
                topic_sets.append(None)
            else:
                options = t if isinstance(t, list) else [t]
                topic_sets.append({int.from_bytes(_data(x, "topic"), "big") for x in options})
        out = []
        for number, address, topics, log in self._logs:
            if not first <= number <= last or (wanted is not None and address not in wanted):
                continue
            if len(topic_sets) > len(topics):
                continue
            if all(s is None or topics[i] in s for i, s in enumerate(topic_sets)):
                out.append(log)
        return out

    def rpc_eth_sendRawTransaction(self, params: list) -> str:
        self.tx_count += 1
        raw = _data(_param(params, 0), "raw transaction")
        self._prepare_pending()
        vm = self._chain.get_vm()
        tx, sender = self._decode(raw, vm)
        if not self._automine:
            return self._enqueue(tx, sender, vm)
        self._precheck(tx, sender, vm)
        try:
            self._chain.apply_transaction(tx)
        except EVMValidationError as exc:
            self._prepare_pending()
            raise RpcError(-32000, _geth_message(str(exc))) from None
        self._record_block(self._mine())
        return _b(tx.hash)

    @staticmethod
    def _decode(raw: bytes, vm: Any) -> tuple[Any, bytes]:
        try:
            tx = vm.get_transaction_builder().decode(raw)
            return tx, tx.sender
        except EVMValidationError as exc:
            raise RpcError(-32000, f"invalid sender: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - rlp/type decoding errors
            raise RpcError(-32000, f"rlp: invalid transaction: {exc}") from None

    def _enqueue(self, tx: Any, sender: bytes, vm: Any) -> str:
        """Automine off: accept into the pool (txpool checks, nonce after the sender's queued txs)."""
        if any(queued.hash == tx.hash for queued in self._pool):
            raise RpcError(-32000, "already known")
        self._precheck(tx, sender, vm, queued=self._queued_from(sender))
        self._pool.append(tx)
        return _b(tx.hash)

    def _mine_pool(self) -> None:
        """One block with every queued transaction; one that no longer applies is dropped, as a
        txpool would."""
        self._prepare_pending()
        pool, self._pool = self._pool, []
        for tx in pool:
            try:
                self._chain.apply_transaction(tx)
            except EVMValidationError:
                continue
        self._record_block(self._mine())

    def _precheck(self, tx: Any, sender: bytes, vm: Any, queued: int = 0) -> None:
        """The checks geth's txpool makes, with geth's words."""
        if tx.chain_id is not None and tx.chain_id != self.chain_id:
            raise RpcError(-32000, f"invalid chain id for signer: have {tx.chain_id} want {self.chain_id}")
        state = vm.state
        header = vm.get_header()
        nonce = state.get_nonce(sender) + queued
        who = to_checksum_address(sender)
        if tx.nonce < nonce:
            raise RpcError(-32000, f"nonce too low: address {who}, tx: {tx.nonce} state: {nonce}")
        if tx.nonce > nonce:
            raise RpcError(-32000, f"nonce too high: address {who}, tx: {tx.nonce} state: {nonce}")
        if tx.gas > header.gas_limit:
            raise RpcError(-32000, "exceeds block gas limit")
        if tx.gas < tx.intrinsic_gas:
            raise RpcError(-32000, f"intrinsic gas too low: have {tx.gas}, want {tx.intrinsic_gas}")
        fee_cap = tx.max_fee_per_gas if getattr(tx, "type_id", None) == 2 else tx.gas_price
        if fee_cap < header.base_fee_per_gas:
            raise RpcError(-32000, f"max fee per gas less than block base fee: address {who}, "
                                   f"maxFeePerGas: {fee_cap}, baseFee: {header.base_fee_per_gas}")
        have, want = state.get_balance(sender), tx.gas * fee_cap + tx.value
        if have < want:
            raise RpcError(-32000, f"insufficient funds for gas * price + value: address {who} "
                                   f"have {have} want {want}")

    # ------------------------------------------------------------------ dev methods (hardhat-like)
    def rpc_evm_increaseTime(self, params: list) -> int:
        seconds = _param(params, 0)
        seconds = _qty(seconds, "seconds") if isinstance(seconds, str) else seconds
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
            raise _invalid("seconds must be a non-negative integer")
        # Relative to the chain head as well as the wall clock: automined blocks can run ahead of
        # the clock (one second per block), and "advance by the lock time" must unlock refunds.
        head_ts = self._head().timestamp
        offset = max(self._time_offset + seconds, head_ts + seconds - int(time.time()))
        if int(time.time()) + offset >= MAX_TIMESTAMP:
            raise _invalid(f"seconds: the clock would pass the largest block timestamp (2^64 - 1); "
                           f"at most {MAX_TIMESTAMP - 1 - int(time.time()) - self._time_offset} more")
        self._time_offset = offset
        return self._time_offset

    def rpc_evm_setNextBlockTimestamp(self, params: list) -> bool:
        ts = _param(params, 0)
        ts = _qty(ts, "timestamp") if isinstance(ts, str) else ts
        if not isinstance(ts, int) or isinstance(ts, bool):
            raise _invalid("timestamp must be an integer")
        if ts >= MAX_TIMESTAMP:
            raise _invalid(f"timestamp {ts} is too large: block timestamps are 64-bit (at most 2^64 - 1)")
        head_ts = self._head().timestamp
        if ts <= head_ts:
            raise RpcError(-32000, f"Timestamp {ts} is lower than or equal to previous block's timestamp {head_ts}")
        self._next_timestamp = ts
        self._time_offset = ts - int(time.time())  # later blocks continue from here
        return True

    def rpc_evm_mine(self, params: list) -> str:
        ts = _param(params, 0, None)
        if ts is not None:
            self.rpc_evm_setNextBlockTimestamp([ts])
        self._mine_pool()
        return "0x0"

    def rpc_evm_setAutomine(self, params: list) -> bool:
        """hardhat's switch. eth-tester's EthereumTester has one too, but this node bypasses that
        layer, so the pool lives here. Turning it back on mines what is queued, so nothing is stranded."""
        enabled = _param(params, 0)
        if not isinstance(enabled, bool):
            raise _invalid("automine must be true or false")
        self._automine = enabled
        if enabled and self._pool:
            self._mine_pool()
        return True

    def rpc_hardhat_setBalance(self, params: list) -> bool:
        addr = _addr(_param(params, 0))
        amount = _qty(_param(params, 1), "balance")
        self._prepare_pending()
        vm = self._chain.get_vm()
        vm.state.set_balance(addr, amount)
        vm.state.persist()
        # Mine the changed state into a block so "latest" reads it.
        self._chain.header = self._chain.header.copy(state_root=vm.state.state_root)
        self._record_block(self._mine())
        return True

    def rpc_devnet_txCount(self, params: list) -> int:
        return self.tx_count


def _effective_price(tx: Any, base_fee: int) -> int:
    if getattr(tx, "type_id", None) == 2:
        return min(tx.max_fee_per_gas, base_fee + tx.max_priority_fee_per_gas)
    return tx.gas_price


def _geth_message(msg: str) -> str:
    """Word py-evm's validation messages like geth does (clients match on them)."""
    if "balance" in msg.lower():
        return f"insufficient funds for gas * price + value ({msg})"
    if "nonce" in msg.lower():
        return f"invalid nonce ({msg})"
    return msg


def _err_obj(rid: Any, exc: RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "error": exc.to_json()}


def _dump(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: web3/requests reuse the connection
    node: ChainNode
    timeout = 120  # idle keep-alive connections are closed after this many seconds

    def setup(self) -> None:
        super().setup()
        # Without this, small responses wait ~40 ms for delayed ACKs (Nagle).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet server
        pass

    def _send(self, status: int, body: bytes) -> None:
        # No Access-Control-* headers: no web page may use this node (see _refusal).
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _refusal(self) -> tuple[int, str] | None:
        """Why this request is refused, if it is. The node holds dev controls that move funds and time
        (hardhat_setBalance, evm_*) and the app calls it server-side only, so no browser needs it:
        a request a browser sent (it carries Origin) is refused, and so is any body not declared
        JSON — a web page's "simple" cross-site POST (text/plain, a form, no type) never reaches
        the chain, and a JSON one needs a CORS preflight, which is never granted."""
        if self.headers.get("Origin") is not None:
            return 403, "requests from web pages are refused: this local node serves local programs only"
        ctype = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if ctype != "application/json":
            return 415, "JSON-RPC requests must be sent with Content-Type: application/json"
        return None

    def _error(self, status: int, message: str) -> None:
        self._send(status, _dump({"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": message}}))

    def do_OPTIONS(self) -> None:  # noqa: N802 - a CORS preflight: never granted
        self.close_connection = True
        self._error(403, "requests from web pages are refused: this local node serves local programs only")

    def do_GET(self) -> None:  # noqa: N802
        self._send(405, _dump({"error": "use POST with a JSON-RPC body"}))

    def do_POST(self) -> None:  # noqa: N802
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True  # the body is not read, so the stream is unusable
            self._error(413, "request body too large")
            return
        refusal = self._refusal()
        if refusal is not None:
            self.close_connection = True  # the body is not read
            self._error(*refusal)
            return
        body = self.rfile.read(length)
        self._send(200, self.node.handle_json(body))


def _make_server(node: ChainNode, port: int) -> ThreadingHTTPServer:
    handler = type("ChainHandler", (_Handler,), {"node": node})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def main() -> None:  # pragma: no cover - manual use: python -m og_devnet.chain [port]
    import sys

    node = ChainNode()
    port = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("PORT", "8545"))
    print(f"JSON-RPC on http://127.0.0.1:{port} (chain id {node.chain_id})", flush=True)
    try:
        node.serve_forever(port)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
