"""Address helpers shared by og_core."""

from __future__ import annotations

from functools import lru_cache

from web3 import Web3


@lru_cache(maxsize=4096)
def checksum(address: str) -> str:
    """EIP-55 form of `address` (ValueError if it is not one). Cached: it hashes, and it is on
    every request's path."""
    return Web3.to_checksum_address(address)
