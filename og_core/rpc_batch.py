"""Several chain reads in one HTTP round trip (a JSON-RPC batch), each result or error kept apart.

Why: a page run reads every provider sub-account; one request per account costs one round trip each
(with a slow RPC, a minute per Wallet page run). web3's own `batch_requests()` raises for the whole
batch when one call reverts — but "no ledger" and "no account" are reverts that mean "none" — so the
batch is built here: each eth_call is encoded and decoded like web3's `.call()` (structs as tuples),
and a failed entry becomes the exception web3 would raise for it (`Web3RPCError` carrying the node's
error object), which og_core.errors decodes as usual.
"""

from __future__ import annotations

import time
from typing import Any, cast

import requests
from eth_utils.abi import get_abi_output_types
from web3 import Web3
from web3.exceptions import Web3RPCError
from web3.types import RPCResponse

READ_TRIES = 3  # a batch is reads only: safe to repeat when its reply was lost
RETRY_ON = (ConnectionError, requests.ConnectionError, requests.HTTPError, requests.Timeout)


class BatchRead:
    """Collect reads with `call` / `balance`, then `run()` → one result per read, in order: the value,
    or the exception that read alone raised."""

    def __init__(self, w3: Web3) -> None:
        self._w3 = w3
        self._requests: list[tuple[str, list[Any]]] = []
        self._decoders: list[Any] = []

    def call(self, fn: Any) -> int:
        """A bound contract function (`contract.functions.f(args)`), read at the latest block."""
        output_types = get_abi_output_types(fn.abi)
        self._requests.append(("eth_call", [{"to": fn.address, "data": fn._encode_transaction_data()}, "latest"]))

        def decode(result: Any) -> Any:
            values = self._w3.codec.decode(output_types, bytes.fromhex(str(result).removeprefix("0x")))
            return values[0] if len(values) == 1 else tuple(values)

        self._decoders.append(decode)
        return len(self._requests) - 1

    def balance(self, address: str) -> int:
        self._requests.append(("eth_getBalance", [address, "latest"]))
        self._decoders.append(lambda result: int(str(result), 16))
        return len(self._requests) - 1

    def run(self) -> list[Any]:
        """One round trip. A failed transport raises (like a single read); a failed entry is returned."""
        if not self._requests:
            return []
        answers = self._send()
        if not isinstance(answers, list) or len(answers) != len(self._requests):
            raise Web3RPCError(f"The node answered a batch of {len(self._requests)} reads with {answers!r}"[:300],
                               rpc_response=cast(RPCResponse, answers) if isinstance(answers, dict) else None)
        results: list[Any] = []
        for answer, decode in zip(answers, self._decoders, strict=True):
            if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
                results.append(Web3RPCError(str(answer["error"].get("message", "")),
                                            rpc_response=cast(RPCResponse, answer)))
                continue
            try:
                results.append(decode(answer.get("result") if isinstance(answer, dict) else None))
            except Exception as exc:  # noqa: BLE001 - an undecodable answer fails that read only
                results.append(exc)
        return results

    def _send(self) -> Any:
        provider: Any = self._w3.provider
        for attempt in range(READ_TRIES):
            try:
                return provider.make_batch_request(self._requests)
            except RETRY_ON:
                if attempt == READ_TRIES - 1:
                    raise
                time.sleep(0.125 * 2**attempt)
        return None  # not reached
