"""Where wallet keys come from: local demo accounts (PUBLIC test keys), `.env`, or a key typed
into this browser tab. No Streamlit here, so it is easy to test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from og_core import SecretStr
from og_core.networks import local_devnet_info

# The hardhat/anvil mnemonic published in hardhat's documentation: its keys protect nothing.
HARDHAT_MNEMONIC = "test test test test test test test test test test test junk"
DEMO_INDEXES = range(1, 11)  # accounts #1–#10 are the local network's demo wallets

_KEY_RE = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class DemoAccount:
    label: str
    address: str
    key: SecretStr = field(repr=False)  # a public test key, but still never rendered


@cache
def _hardhat_demo_accounts() -> tuple[DemoAccount, ...]:
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    out = []
    for i in DEMO_INDEXES:
        acct = Account.from_mnemonic(HARDHAT_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}")
        out.append(DemoAccount(f"Demo #{i}", acct.address, SecretStr("0x" + acct.key.hex().removeprefix("0x"))))
    return tuple(out)


def demo_accounts() -> tuple[DemoAccount, ...]:
    """Demo wallets of the local network: the ones the network this process started reports,
    else (OG_RPC_URL points at a network started elsewhere) the hardhat accounts #1–#10, which
    og_devnet funds at genesis."""
    info = local_devnet_info()
    if info and info.get("demo_accounts"):
        return tuple(DemoAccount(f"Demo #{i + 1}", a["address"], SecretStr(a["private_key"]))
                     for i, a in enumerate(info["demo_accounts"]))
    return _hardhat_demo_accounts()


def check_private_key(text: str) -> SecretStr:
    """Validate a typed key without ever echoing it. Raises ValueError with a plain sentence."""
    key = (text or "").strip()
    if not key:
        raise ValueError("The private key is empty.")
    if not _KEY_RE.match(key):
        raise ValueError("That is not a private key: it must be 64 hexadecimal characters, optionally "
                         "starting with 0x.")
    return SecretStr(key if key.startswith("0x") else "0x" + key)


def address_of(key: SecretStr) -> str:
    from eth_account import Account

    return Account.from_key(key.get_secret_value()).address


def is_address(text: str) -> bool:
    return bool(re.fullmatch(r"0x[0-9a-fA-F]{40}", (text or "").strip()))
