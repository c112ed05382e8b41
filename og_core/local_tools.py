"""Developer controls of the local network (og_devnet only) and its demo wallets.

og_devnet's chain answers hardhat-style methods (`hardhat_setBalance`, `evm_increaseTime`, `evm_mine`)
that no public 0G network has, so `OgClient.local` is a `LocalTools` only on the local network and
None on testnet/mainnet. The demo wallets are hardhat's published test accounts: public keys that
protect nothing, on a chain that exists only on this machine.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from og_core.addresses import checksum
from og_core.amounts import WEI_PER_OG, format_og, parse_og
from og_core.errors import OgError, RpcError
from og_core.ledger import read_chain_time
from og_core.networks import Network, local_devnet_info, resolve_profile

LOCAL_DOWN = "The local chain could not be reached."
LOCAL_HINT = "Restart the app if the local network is down."
FAUCET_MAX_OG = 10_000  # a typo guard: more than this at once is never what a demo needs

# The hardhat/anvil mnemonic published in hardhat's documentation: its keys protect nothing.
HARDHAT_MNEMONIC = "test test test test test test test test test test test junk"
DEMO_INDEXES = range(1, 11)  # accounts #1–#10: og_devnet funds them at genesis as demo wallets


class LocalDemoAccount(NamedTuple):
    """A local demo wallet. `private_key` is a PUBLIC hardhat test key (anyone can read it in
    hardhat's documentation): never use it, or its address, on a real network."""

    address: str
    private_key: str


@cache
def _hardhat_demo_accounts() -> tuple[LocalDemoAccount, ...]:
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    out = []
    for i in DEMO_INDEXES:
        acct = Account.from_mnemonic(HARDHAT_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}")
        out.append(LocalDemoAccount(acct.address, "0x" + acct.key.hex().removeprefix("0x")))
    return tuple(out)


def local_demo_accounts() -> tuple[LocalDemoAccount, ...]:
    """The local network's demo wallets as (address, private_key) pairs.

    These are PUBLIC hardhat test keys (mnemonic "test test … junk", accounts #1–#10), funded at
    genesis by og_devnet; they are safe to show and worthless anywhere else. When this process
    started the local network, its reported list is used; otherwise (OG_RPC_URL points at a network
    started elsewhere) the same accounts are derived from the mnemonic.
    """
    info = local_devnet_info()
    if info and info.get("demo_accounts"):
        return tuple(LocalDemoAccount(a["address"], a["private_key"]) for a in info["demo_accounts"])
    return _hardhat_demo_accounts()


class ReadyDemo(NamedTuple):
    """The demo wallet og_devnet made ready at genesis: a ledger and `per_provider_wei` at every local provider."""

    address: str
    per_provider_wei: int


def local_ready_demo() -> ReadyDemo | None:
    """The wallet the local network this process started made ready (og_devnet --ready-demo), else
    None (none made ready, or a network started elsewhere: OG_RPC_URL)."""
    ready = (local_devnet_info() or {}).get("ready_demo")
    if not ready:
        return None
    return ReadyDemo(checksum(ready["address"]), int(ready["per_provider_wei"]))


def local_network_started() -> bool:
    """True once this process has started (or attached to) its own local network."""
    return local_devnet_info() is not None


def start_local_network() -> None:
    """Start the local network once per process (a child process; a few seconds the first time).
    Does nothing when it is already running. `OgClient("local")` does this on demand too."""
    resolve_profile(Network.LOCAL)


class LocalTools:
    """Faucet and clock of the local chain. Reached as `client.local` (None off the local network)."""

    def __init__(self, web3: Any) -> None:
        self._w3 = web3

    def _rpc(self, method: str, params: list[Any]) -> Any:
        try:
            resp = self._w3.provider.make_request(method, params)
        except Exception as exc:
            raise RpcError.from_exception(exc, message=LOCAL_DOWN, hint=LOCAL_HINT) from exc
        if "error" in resp:
            raise RpcError(f"The local chain refused {method}.", LOCAL_HINT,
                           detail=str(resp["error"])[:300])
        return resp.get("result")

    def chain_time(self) -> int:
        """Timestamp of the latest block (the same as `OgClient.chain_time()`, kept here beside
        `advance_time`, which moves it ahead of the wall clock)."""
        return read_chain_time(self._w3)

    def faucet(self, address: str, og: str) -> int:
        """Add `og` OG (a user-typed amount, e.g. "100") to `address`'s native balance; at most
        FAUCET_MAX_OG at a time. Returns the new balance in wei."""
        try:
            address = checksum(address)
        except ValueError:
            raise OgError(f"“{str(address)[:60]}” is not an address.", "Use 0x followed by 40 hex characters.") from None
        wei = parse_og(og, field="Faucet amount")
        limit = FAUCET_MAX_OG * WEI_PER_OG
        if wei > limit:
            raise OgError(f"The faucet gives at most {format_og(limit, 0)} at a time.", "Ask for less.")
        try:
            balance = int(self._w3.eth.get_balance(address))
        except Exception as exc:
            raise RpcError.from_exception(exc, message=LOCAL_DOWN, hint=LOCAL_HINT) from exc
        self._rpc("hardhat_setBalance", [address, hex(balance + wei)])
        return balance + wei

    def advance_time(self, seconds: int) -> int:
        """Move the chain clock forward by `seconds` and mine a block (so refunds whose lock time has
        passed become collectable). Returns the new chain time."""
        seconds = _seconds(seconds)
        self._rpc("evm_increaseTime", [seconds])
        self._rpc("evm_mine", [])
        return self.chain_time()


MAX_ADVANCE_S = 100 * 365 * 24 * 3600  # a century: more is a typo, and the chain's clock must stay in 64 bits


def _seconds(value: object) -> int:
    """A number of seconds to advance the clock by: a whole number (or its digits) from 1 to a century."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise OgError(f"“{str(value)[:40]}” is not a whole number of seconds.", "Advance the clock by e.g. 3600.")
    if value <= 0:
        raise OgError("Advance the clock by at least 1 second.", "Advance the clock by e.g. 3600.")
    if value > MAX_ADVANCE_S:
        raise OgError("The clock can be advanced by at most 100 years at a time.", "Advance it by less.")
    return value
