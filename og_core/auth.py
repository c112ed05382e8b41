"""Session tokens and API keys, built by og_core (docs/protocol.md, session tokens) — never with a funding side effect.

Fixes SDK pitfall #2: generation is Account index 9, revokedBitmap index 10; a failed read is an
error, not generation 0 cached for hours.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

from eth_account.messages import encode_defunct
from web3 import Web3

from og_core.addresses import checksum
from og_core.errors import ReadOnlyError, RpcError, RuleError
from og_core.reverts import is_revert_named

EPHEMERAL_TOKEN_ID = 255
EPHEMERAL_MAX_MS = 24 * 3600 * 1000
REFRESH_BEFORE_MS = 3600 * 1000  # rebuild a cached token with less than 1 h left
ACCOUNT_GENERATION = 9
ACCOUNT_REVOKED_BITMAP = 10


@dataclass(frozen=True)
class ApiKeyInfo:
    """An API key issued in this session (no secret in it)."""

    provider: str
    token_id: int
    created_at: int  # ms
    expires_at: int  # ms, 0 = never
    revoked: bool = False


@dataclass(frozen=True)
class NewApiKey:
    """The result of creating an API key. `token` IS THE SECRET BEARER TOKEN — shown once to the
    user who asked for it; og_core keeps no copy. Its repr hides it."""

    info: ApiKeyInfo
    token: str = field(repr=False)


def build_token(account: Any, provider: str, *, generation: int, token_id: int, timestamp_ms: int,
                expires_at_ms: int, nonce: str) -> str:
    """The bearer value `app-sk-<base64(raw|0xsig)>` (without "Bearer ")."""
    raw = json.dumps({
        "address": account.address,
        "provider": checksum(provider),
        "timestamp": timestamp_ms,
        "expiresAt": expires_at_ms,
        "nonce": nonce,
        "generation": generation,
        "tokenId": token_id,
    }, separators=(",", ":"))
    signed = account.sign_message(encode_defunct(primitive=Web3.keccak(text=raw)))
    sig = signed.signature.hex()
    sig = sig if sig.startswith("0x") else "0x" + sig
    return "app-sk-" + base64.b64encode(f"{raw}|{sig}".encode()).decode()


def decode_token(token: str) -> dict[str, Any]:
    """The JSON part of a token (for tests and display of non-secret fields)."""
    body = token.removeprefix("Bearer ").removeprefix("app-sk-")
    raw, _, _sig = base64.b64decode(body).decode().rpartition("|")
    return json.loads(raw)


@dataclass
class _Cached:
    header: str
    expires_at_ms: int
    generation: int


@dataclass
class IssuedKeys:
    """API keys one wallet issued in this process, shared by every client of that wallet (each
    session has its own OgClient), so two sessions never hand out the same token id.

    Metadata only — provider, token id, created, expires, revoked — never a token. It lives in
    memory: after a restart it is empty, and only ids revoked on-chain are known to be used.
    """

    lock: threading.Lock = field(default_factory=threading.Lock)
    keys: dict[tuple[str, int], ApiKeyInfo] = field(default_factory=dict)  # (provider, token id)


_registry_lock = threading.Lock()
_registry: dict[tuple[int | None, str, str], IssuedKeys] = {}


def issued_keys(chain_id: int | None, serving_address: str, wallet: str) -> IssuedKeys:
    """The process-wide registry of `wallet`'s keys on one inference contract of one chain."""
    with _registry_lock:
        return _registry.setdefault((chain_id, serving_address.lower(), wallet.lower()), IssuedKeys())


class SessionAuth:
    """Per-wallet token cache for one client. Thread-safe. API key metadata is shared process-wide
    per wallet (`issued_keys`); `chain_id` keeps one chain's keys apart from another's."""

    def __init__(self, account: Any, serving_contract: Any, *, chain_id: int | None = None) -> None:
        self._account = account
        self._contract = serving_contract
        self._lock = threading.Lock()
        self._cache: dict[str, _Cached] = {}
        self._issued = (issued_keys(chain_id, str(getattr(serving_contract, "address", "")), account.address)
                        if account is not None else IssuedKeys())

    def _require_account(self) -> Any:
        if self._account is None:
            raise ReadOnlyError("This needs a wallet, but no private key is configured.",
                                "Set PRIVATE_KEY (or pick a demo account on the local network).")
        return self._account

    def account_state(self, provider: str) -> tuple[int, int, bool]:
        """(generation, revokedBitmap, exists) read from the chain; an unknown account is (0, 0, False)."""
        account = self._require_account()
        provider = checksum(provider)
        try:
            raw = self._contract.functions.getAccount(account.address, provider).call()
        except Exception as exc:
            if is_revert_named(exc, "AccountNotExists"):  # a fresh account starts at generation 0
                return 0, 0, False
            raise RpcError.from_exception(
                exc, message="Your account with this provider could not be read from the chain.") from exc
        return int(raw[ACCOUNT_GENERATION]), int(raw[ACCOUNT_REVOKED_BITMAP]), True

    def headers(self, provider: str) -> dict[str, str]:
        """{"Authorization": "Bearer app-sk-…"} from the cache; one chain read when (re)built."""
        account = self._require_account()
        provider = checksum(provider)
        now = int(time.time() * 1000)
        with self._lock:
            cached = self._cache.get(provider)
            if cached is not None and cached.expires_at_ms - now > REFRESH_BEFORE_MS:
                return {"Authorization": cached.header}
        generation, _bitmap, _exists = self.account_state(provider)
        token = build_token(account, provider, generation=generation, token_id=EPHEMERAL_TOKEN_ID,
                            timestamp_ms=now, expires_at_ms=now + EPHEMERAL_MAX_MS, nonce=secrets.token_hex(16))
        header = "Bearer " + token
        with self._lock:
            self._cache[provider] = _Cached(header, now + EPHEMERAL_MAX_MS, generation)
        return {"Authorization": header}

    def invalidate(self, provider: str | None = None) -> None:
        """Forget cached tokens (after a revocation or a `validate session` rejection)."""
        with self._lock:
            if provider is None:
                self._cache.clear()
            else:
                self._cache.pop(checksum(provider), None)

    # ------------------------------------------------------------------ API keys
    def create_api_key(self, provider: str, *, token_id: int | None, expires_in_s: int) -> NewApiKey:
        if token_id is not None:
            token_id = token_id_value(token_id)
        if isinstance(expires_in_s, bool) or not isinstance(expires_in_s, int):
            raise RuleError("The expiry must be a whole number of seconds.", "Use 0 for a key that never expires.")
        if expires_in_s < 0:
            raise RuleError("The expiry cannot be negative.", "Use 0 for a key that never expires.")
        account = self._require_account()
        provider = checksum(provider)
        generation, bitmap, _exists = self.account_state(provider)
        registry = self._issued
        with registry.lock:  # pick and record in one step: another session may be creating one now
            in_use = {tid for (p, tid), k in registry.keys.items() if p == provider and not k.revoked}
            token_id = _pick_token_id(token_id, bitmap, in_use)
            now = int(time.time() * 1000)
            expires = now + expires_in_s * 1000 if expires_in_s else 0
            token = build_token(account, provider, generation=generation, token_id=token_id, timestamp_ms=now,
                                expires_at_ms=expires, nonce=secrets.token_hex(16))
            info = ApiKeyInfo(provider=provider, token_id=token_id, created_at=now, expires_at=expires)
            registry.keys[(provider, token_id)] = info
        return NewApiKey(info=info, token=token)

    def list_api_keys(self, provider: str | None = None) -> list[ApiKeyInfo]:
        """Keys this wallet issued in this process (any session), with revocation state refreshed
        from the chain."""
        with self._issued.lock:
            keys = [k for k in self._issued.keys.values()
                    if provider is None or k.provider == checksum(provider)]
        states: dict[str, tuple[int, int, bool]] = {}
        out = []
        for k in keys:
            if k.provider not in states:
                states[k.provider] = self.account_state(k.provider)
            _gen, bitmap, _ = states[k.provider]
            out.append(replace(k, revoked=k.revoked or bool((bitmap >> k.token_id) & 1)))
        return sorted(out, key=lambda k: (k.provider, k.token_id))

    def mark_revoked(self, provider: str, token_id: int | None) -> None:
        """Record a confirmed revocation (None = all tokens, which bumps the generation)."""
        provider = checksum(provider)
        with self._issued.lock:
            for key, info in list(self._issued.keys.items()):
                if key[0] == provider and (token_id is None or key[1] == token_id):
                    self._issued.keys[key] = replace(info, revoked=True)
        if token_id is None:
            self.invalidate(provider)


def token_id_value(token_id: object) -> int:
    """An API key id as given by a caller: a whole number from 0 to 254 (not "1", 1.5 or None)."""
    if isinstance(token_id, bool) or not isinstance(token_id, int):
        raise RuleError(f"The API key id {str(token_id)[:20]!r} is not a whole number.", "Use an id from 0 to 254.")
    if not 0 <= token_id < EPHEMERAL_TOKEN_ID:
        raise RuleError(f"API key id {token_id} is out of range.", "Use an id from 0 to 254.")
    return token_id


def _pick_token_id(token_id: int | None, revoked_bitmap: int, in_use: set[int]) -> int:
    """The requested id if it is free, else the lowest free one; free = neither revoked on-chain
    nor held by a live key of this wallet (any session)."""
    if token_id is None:
        free = next((i for i in range(EPHEMERAL_TOKEN_ID) if not (revoked_bitmap >> i) & 1 and i not in in_use), None)
        if free is None:
            raise RuleError("Every API key id (0–254) for this provider is used or revoked.",
                            "Revoke all tokens for this provider to start again.")
        return free
    if not 0 <= token_id < EPHEMERAL_TOKEN_ID:
        raise RuleError(f"API key id {token_id} is out of range.", "Use an id from 0 to 254.")
    if (revoked_bitmap >> token_id) & 1:
        raise RuleError(f"API key id {token_id} has been revoked for this provider.",
                        "Pick another id; a revoked id stays revoked until you revoke all tokens.")
    if token_id in in_use:
        raise RuleError(f"API key id {token_id} is already used by another key of this wallet for this provider.",
                        "Pick another id, or leave it empty to get the next free one.")
    return token_id
