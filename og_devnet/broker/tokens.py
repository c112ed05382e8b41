"""Session tokens (`Authorization: Bearer app-sk-…`): parsing and the real broker's checks, in its order.

Messages mirror 0G's broker (inference/internal/ctrl, ValidateSession / validateTokenRevocation);
the app prefixes them with ``validate session: ``.
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass

from eth_hash.auto import keccak

from .. import jsonsafe
from .ecdsa import recover_hash

PREFIX = "Bearer app-sk-"
EPHEMERAL_TOKEN_ID = 255
EPHEMERAL_MAX_MS = 24 * 60 * 60 * 1000
_CACHE_MAX = 10_000


class SessionError(Exception):
    """A rejected session token; str() is the broker's wording (without the prefix)."""


@dataclass(frozen=True)
class SessionToken:
    address: str
    provider: str
    timestamp: int
    expires_at: int
    nonce: str
    generation: int
    token_id: int
    raw: str  # the signed JSON text, byte for byte
    signature: str  # 0x-hex

    @property
    def ephemeral(self) -> bool:
        return self.token_id == EPHEMERAL_TOKEN_ID


def _int_field(obj: dict, name: str, lo: int = 0, hi: int = 2**63 - 1) -> int:
    value = obj.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise SessionError(f"invalid session token format in Authorization: bad field {name}")
    return value


def parse_authorization(header: str | None) -> SessionToken:
    """Decode the header; raises SessionError with the real broker's format messages."""
    if not header or not header.startswith(PREFIX):
        raise SessionError(
            "missing or invalid Authorization header, must be Bearer app-sk-<base64(rawMessage:signature)>"
        )
    try:
        decoded = base64.b64decode(header[len(PREFIX):], validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise SessionError(f"invalid base64 in Authorization header: {exc}") from None
    raw, sep, signature = decoded.partition("|")
    if not sep:
        raise SessionError("invalid Authorization payload, expect base64(rawMessage:signature)")
    try:  # depth-checked: a deeply nested token would crash the process (see og_devnet.jsonsafe)
        obj = jsonsafe.loads(raw)
    except ValueError as exc:
        raise SessionError(f"invalid session token format in Authorization: {exc}") from None
    if not isinstance(obj, dict):
        raise SessionError("invalid session token format in Authorization: not an object")
    address, provider, nonce = obj.get("address", ""), obj.get("provider", ""), obj.get("nonce", "")
    if not all(isinstance(x, str) for x in (address, provider, nonce)):
        raise SessionError("invalid session token format in Authorization: bad field type")
    return SessionToken(
        address=address,
        provider=provider,
        timestamp=_int_field(obj, "timestamp", -(2**63)),
        expires_at=_int_field(obj, "expiresAt", -(2**63)),
        nonce=nonce,
        generation=_int_field(obj, "generation", 0, 2**64 - 1),
        token_id=_int_field(obj, "tokenId", 0, 255),
        raw=raw,
        signature=signature,
    )


def check_claims(token: SessionToken, provider_address: str, now_s: float | None = None) -> None:
    """Provider, ephemeral limits and expiry — the checks that need no chain state."""
    if token.provider.lower() != provider_address.lower():
        raise SessionError("session token is for different provider")
    if token.ephemeral:
        if token.expires_at == 0:
            raise SessionError("ephemeral token must have an expiration time")
        if token.expires_at - token.timestamp > EPHEMERAL_MAX_MS:
            raise SessionError("ephemeral token duration cannot exceed 24 hours")
    now = int(time.time() if now_s is None else now_s)
    if token.expires_at > 0 and now > token.expires_at // 1000:  # Go: seconds > ms/1000
        raise SessionError("session token expired")


def check_revocation(token: SessionToken, generation: int | None, revoked_bitmap: int) -> None:
    """Generation and revoked-bitmap check; ``generation=None`` means no sub-account (accepted, as upstream)."""
    if generation is None:
        return
    if token.generation < generation:
        raise SessionError("session token has been revoked (generation expired)")
    if token.generation > generation:
        raise SessionError("invalid session token (future generation)")
    if not token.ephemeral and revoked_bitmap >> token.token_id & 1:
        raise SessionError("session token has been revoked")


def recover_token_signer(token: SessionToken) -> str:
    """EIP-191 signer of keccak256(raw); SessionError on malformed signatures."""
    sig_hex = token.signature[2:] if token.signature[:2] in ("0x", "0X") else None
    if sig_hex is None:
        raise SessionError("invalid signature format: hex string without 0x prefix")
    try:
        sig = bytes.fromhex(sig_hex)
    except ValueError:
        raise SessionError("invalid signature format: invalid hex string") from None
    if len(sig) != 65:
        raise SessionError("invalid signature length")
    digest = keccak(b"\x19Ethereum Signed Message:\n32" + keccak(token.raw.encode()))
    try:
        return recover_hash(digest, sig)
    except Exception as exc:  # coincurve raises ValueError/TypeError on bad points
        raise SessionError(f"failed to recover public key from signature: {exc}") from None


class TokenVerifier:
    """Caches parsed headers and verified signatures so a repeated token costs a dict lookup."""

    def __init__(self, provider_address: str) -> None:
        self.provider_address = provider_address
        self._parsed: dict[str, SessionToken] = {}
        self._verified: set[str] = set()

    def parse(self, header: str | None) -> SessionToken:
        token = self._parsed.get(header) if header else None
        if token is None:
            token = parse_authorization(header)
            if len(self._parsed) >= _CACHE_MAX:
                self._parsed.clear()
            self._parsed[header] = token  # type: ignore[index]
        check_claims(token, self.provider_address)
        return token

    def verify_signature(self, token: SessionToken) -> None:
        key = token.raw + "|" + token.signature
        if key in self._verified:
            return
        if recover_token_signer(token).lower() != token.address.lower():
            raise SessionError("signature verification failed: address mismatch")
        if len(self._verified) >= _CACHE_MAX:
            self._verified.clear()
        self._verified.add(key)
