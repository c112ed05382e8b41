"""Helpers shared by the broker tests: session tokens built like the SDK builds them."""

from __future__ import annotations

import base64
import json
import time

from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3


def make_token(key: str, provider: str, *, token_id: int = 255, generation: int = 0,
               duration_ms: int = 3_600_000, timestamp_ms: int | None = None,
               address: str | None = None, signer_key: str | None = None) -> str:
    """An `Authorization` header value exactly as zerog_py_sdk's SessionManager makes it."""
    ts = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    token = {
        "address": address or Account.from_key(key).address,
        "provider": provider,
        "timestamp": ts,
        "expiresAt": ts + duration_ms if duration_ms else 0,
        "nonce": "n" + str(ts),
        "generation": generation,
        "tokenId": token_id,
    }
    raw = json.dumps(token, separators=(",", ":"))
    signed = Account.sign_message(encode_defunct(primitive=Web3.keccak(text=raw)), signer_key or key)
    sig = "0x" + bytes(signed.signature).hex().removeprefix("0x")
    return "Bearer app-sk-" + base64.b64encode(f"{raw}|{sig}".encode()).decode()
