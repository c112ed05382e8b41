"""Well-known accounts of the local network.

Every key in this module is a PUBLIC test key: the 20 accounts of the hardhat/anvil
mnemonic "test test test test test test test test test test test junk" (published in
hardhat's documentation), and TEE signer keys derived from a fixed public label. They
protect nothing; never send real funds to them on a public network.
"""

from __future__ import annotations

from functools import cache

from eth_account import Account
from eth_utils import keccak

MNEMONIC = "test test test test test test test test test test test junk"
HD_PATH = "m/44'/60'/0'/0/{index}"
ACCOUNT_COUNT = 21  # hardhat's 20, and #20 of the same mnemonic for the ninth provider


@cache
def hardhat_accounts() -> tuple[tuple[str, str], ...]:
    """The hardhat accounts #0–#20 as (checksummed address, 0x-private-key)."""
    Account.enable_unaudited_hdwallet_features()
    out = []
    for i in range(ACCOUNT_COUNT):
        acct = Account.from_mnemonic(MNEMONIC, account_path=HD_PATH.format(index=i))
        out.append((acct.address, "0x" + acct.key.hex().removeprefix("0x")))
    return tuple(out)


ACCOUNTS: list[tuple[str, str]] = list(hardhat_accounts())
DEPLOYER: tuple[str, str] = ACCOUNTS[0]  # owner of the contracts; deploys at nonces 0..12
USERS: list[tuple[str, str]] = ACCOUNTS[1:11]  # demo wallets shown to the user
# One per local provider, in catalogue order (og_devnet/providers.py): the first five providers kept
# #15–#19, the later ones took #11–#13 and #20. #14 is left for an optional extra provider.
PROVIDER_WALLETS: list[tuple[str, str]] = ACCOUNTS[15:20] + ACCOUNTS[11:14] + ACCOUNTS[20:21]
# The status service's wallet: far past the genesis accounts and the ones the catalogue grows into, so
# no provider or demo ever shares its nonces; the status service funds it itself (hardhat_setBalance).
STATUS_WALLET_INDEX = 30


@cache
def hardhat_account(index: int) -> tuple[str, str]:
    """Hardhat mnemonic account `index` (any index, not only the 20 funded at genesis)."""
    if index < ACCOUNT_COUNT:
        return hardhat_accounts()[index]
    Account.enable_unaudited_hdwallet_features()
    acct = Account.from_mnemonic(MNEMONIC, account_path=HD_PATH.format(index=index))
    return acct.address, "0x" + acct.key.hex().removeprefix("0x")


# The optional local language model's provider: #14, the one account the catalogue leaves free (two
# services must never share a provider wallet: the second registration would replace the first).
LOCAL_LLM_WALLET: tuple[str, str] = ACCOUNTS[14]
FUNDED_ACCOUNTS: list[tuple[str, str]] = ACCOUNTS  # funded at genesis


_TEE_LABEL = b"og-devnet/tee-signer/v1:"


def tee_key(name: str) -> str:
    """Deterministic TEE signer private key for the provider called `name` (public test key)."""
    return "0x" + keccak(_TEE_LABEL + name.encode()).hex()


def tee_address(name: str) -> str:
    """Checksummed address of `tee_key(name)`."""
    return Account.from_key(tee_key(name)).address
