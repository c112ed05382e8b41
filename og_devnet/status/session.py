"""Session tokens for the status service's own paid checks, built as 0G's SDKs build them
(docs/protocol.md, session tokens): ephemeral (token id 255), signed EIP-191 over keccak256 of the JSON."""

from __future__ import annotations

import base64
import json
import secrets
import time

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak

EPHEMERAL_TOKEN_ID = 255
TOKEN_LIFETIME_MS = 60 * 60 * 1000
RENEW_BEFORE_MS = 5 * 60 * 1000


class Sessions:
    """One `Authorization` value per provider, renewed before it expires."""

    def __init__(self, key: str) -> None:
        self.account = Account.from_key(key)
        self._tokens: dict[str, tuple[int, str]] = {}

    def header(self, provider: str) -> str:
        now = int(time.time() * 1000)
        cached = self._tokens.get(provider.lower())
        if cached is not None and cached[0] - now > RENEW_BEFORE_MS:
            return cached[1]
        expires = now + TOKEN_LIFETIME_MS
        raw = json.dumps({"address": self.account.address, "provider": provider, "timestamp": now,
                          "expiresAt": expires, "nonce": secrets.token_hex(16), "generation": 0,
                          "tokenId": EPHEMERAL_TOKEN_ID}, separators=(",", ":"))
        signed = self.account.sign_message(encode_defunct(primitive=keccak(text=raw)))
        sig = "0x" + bytes(signed.signature).hex()
        value = "Bearer app-sk-" + base64.b64encode(f"{raw}|{sig}".encode()).decode()
        self._tokens[provider.lower()] = (expires, value)
        return value
