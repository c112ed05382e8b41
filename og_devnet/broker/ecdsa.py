"""Fast secp256k1 helpers (coincurve) for EIP-191 personal_sign and recovery."""

from __future__ import annotations

from coincurve import PrivateKey, PublicKey
from eth_hash.auto import keccak
from eth_utils import to_checksum_address


def personal_hash(message: bytes) -> bytes:
    """EIP-191 version 0x45 hash of ``message``."""
    return keccak(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message)


def sign_hash(key: bytes, digest: bytes) -> bytes:
    """65-byte r||s||v signature with v in {27, 28}."""
    sig = PrivateKey(key).sign_recoverable(digest, hasher=None)
    return sig[:64] + bytes([sig[64] + 27])


def personal_sign(key: bytes, message: bytes) -> str:
    return "0x" + sign_hash(key, personal_hash(message)).hex()


def recover_hash(digest: bytes, signature: bytes) -> str:
    """Checksummed signer address of a 65-byte signature over ``digest``; ValueError if invalid."""
    if len(signature) != 65:
        raise ValueError("invalid signature length")
    v = signature[64]
    if v >= 27:
        v -= 27
    if v not in (0, 1):
        raise ValueError("invalid recovery id")
    pub = PublicKey.from_signature_and_message(signature[:64] + bytes([v]), digest, hasher=None)
    return to_checksum_address(keccak(pub.format(compressed=False)[1:])[-20:])


def key_bytes(key: str) -> bytes:
    return bytes.fromhex(key[2:] if key.startswith("0x") else key)
