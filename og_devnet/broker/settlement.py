"""Batch settlement with `settleFeesWithTEE`, signed EIP-712 by the TEE key, sent from the provider wallet."""

from __future__ import annotations

import logging
import threading
import time

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_hash.auto import keccak
from web3 import Web3

from .billing import UnsettledLedger
from .chainview import AccountState, ChainView
from .contract_abi import SETTLEMENT_STATUS

log = logging.getLogger(__name__)
MAX_BATCH = 50  # contract limit per call

_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "TEESettlement": [
        {"name": "requestsHash", "type": "bytes32"},
        {"name": "nonce", "type": "uint256"},
        {"name": "provider", "type": "address"},
        {"name": "user", "type": "address"},
        {"name": "totalFee", "type": "uint256"},
    ],
}


def settlement_signature(tee_key: str, chain_id: int, contract: str, requests_hash: bytes, nonce: int,
                         provider: str, user: str, total_fee: int) -> bytes:
    message = encode_typed_data(full_message={
        "types": _TYPES,
        "primaryType": "TEESettlement",
        "domain": {"name": "0G Inference Serving", "version": "1", "chainId": chain_id,
                   "verifyingContract": Web3.to_checksum_address(contract)},
        "message": {"requestsHash": requests_hash, "nonce": nonce, "provider": provider,
                    "user": user, "totalFee": total_fee},
    })
    return bytes(Account.sign_message(message, tee_key).signature)


class Settler:
    def __init__(self, chain: ChainView, ledger: UnsettledLedger, provider_key: str, tee_key: str,
                 chain_id: int) -> None:
        self.chain = chain
        self.ledger = ledger
        self.account = Account.from_key(provider_key)
        self.tee_key = tee_key
        self.chain_id = chain_id
        self._lock = threading.Lock()  # one settlement transaction at a time per provider wallet
        self._last_nonce: dict[str, int] = {}

    def _nonce(self, user: str) -> int:
        # Must exceed every nonce used before, across broker restarts: microseconds since epoch,
        # bumped past the on-chain account nonce and our own last value.
        onchain = self.chain.fetch_account(user)
        floor = onchain.nonce if isinstance(onchain, AccountState) else 0
        nonce = max(time.time_ns() // 1000, floor + 1, self._last_nonce.get(user, 0) + 1)
        self._last_nonce[user] = nonce
        return nonce

    def settle_now(self) -> list[dict]:
        """Settle every user with unsettled fees; returns [{user, fee, tx}] for what was settled."""
        with self._lock:
            pending = list(self.ledger.snapshot().items())
            done: list[dict] = []
            for start in range(0, len(pending), MAX_BATCH):
                done.extend(self._settle_batch(pending[start:start + MAX_BATCH]))
            return done

    def _settle_batch(self, batch: list[tuple[str, tuple[int, list[bytes]]]]) -> list[dict]:
        provider = self.account.address
        contract = self.chain.contract
        items, meta = [], []
        for user_lower, (fee, hashes) in batch:
            user = Web3.to_checksum_address(user_lower)
            requests_hash = keccak(b"".join(hashes))
            nonce = self._nonce(user)
            sig = settlement_signature(self.tee_key, self.chain_id, contract.address, requests_hash, nonce,
                                       provider, user, fee)
            items.append((user, provider, fee, requests_hash, nonce, sig))
            meta.append((user, fee, len(hashes)))
        fn = contract.functions.settleFeesWithTEE(items)
        try:
            statuses = fn.call({"from": provider})
        except Exception as exc:
            log.warning("settlement pre-flight failed: %s", exc)
            return []
        ok = [i for i, s in enumerate(statuses) if s in (0, 1)]
        for i, s in enumerate(statuses):
            if s not in (0, 1):
                log.warning("settlement for %s refused: %s", meta[i][0], SETTLEMENT_STATUS.get(s, s))
        if not ok:
            return []
        if len(ok) != len(items):
            items = [items[i] for i in ok]
            meta = [meta[i] for i in ok]
            fn = contract.functions.settleFeesWithTEE(items)
        w3 = self.chain.w3
        try:
            gas = int(fn.estimate_gas({"from": provider}) * 1.3) + 50_000
        except Exception:
            gas = 300_000 + 150_000 * len(items)
        tx = fn.build_transaction({
            "from": provider, "gas": gas, "gasPrice": w3.eth.gas_price, "chainId": self.chain_id,
            "nonce": w3.eth.get_transaction_count(provider, "pending"),
        })
        signed = self.account.sign_transaction(tx)
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
        if receipt["status"] != 1:
            log.warning("settlement transaction %s reverted", tx_hash.hex())
            return []
        out = []
        for user, fee, count in meta:
            self.ledger.settled(user, fee, count)
            self.chain.invalidate(user)
            out.append({"user": user, "fee": str(fee), "tx": "0x" + bytes(tx_hash).hex().removeprefix("0x")})
        return out
