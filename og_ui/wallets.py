"""Where wallet keys come from: local demo accounts (PUBLIC test keys), `.env`, or a key typed
into this browser tab. No Streamlit here, so it is easy to test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from og_core import SecretStr, local_demo_accounts

_KEY_RE = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class DemoAccount:
    label: str
    address: str
    key: SecretStr = field(repr=False)  # a public test key, but still never rendered


def demo_accounts() -> tuple[DemoAccount, ...]:
    """Demo wallets of the local network (og_core's PUBLIC hardhat test accounts), labelled for the
    sidebar's picker."""
    return tuple(DemoAccount(f"Demo #{i + 1}", address, SecretStr(key))
                 for i, (address, key) in enumerate(local_demo_accounts()))


def check_private_key(text: str) -> SecretStr:
    """Validate a typed key without ever echoing it. Raises ValueError with a plain sentence."""
    key = (text or "").strip()
    if not key:
        raise ValueError("The private key is empty.")
    if not _KEY_RE.match(key):
        raise ValueError("That is not a private key: it must be 64 hexadecimal characters, optionally "
                         "starting with 0x.")
    secret = SecretStr(key if key.startswith("0x") else "0x" + key)
    try:  # 64 hex digits can still be no key: zero, or not below the curve order
        address_of(secret)
    except ValueError:
        raise ValueError("That is not a usable private key: it is outside the range of valid keys.") from None
    return secret


def address_of(key: SecretStr) -> str:
    from eth_account import Account

    return Account.from_key(key.get_secret_value()).address


def is_address(text: str) -> bool:
    return bool(re.fullmatch(r"0x[0-9a-fA-F]{40}", (text or "").strip()))
