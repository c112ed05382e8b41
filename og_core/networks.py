"""Network profiles (local | testnet | mainnet) and the shared Web3 connections.

local = og_devnet: OG_RPC_URL when set, else one network started on demand per process.
testnet/mainnet = docs/protocol.md, networks and amounts; overridable (rpc_url, addresses).
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from web3 import Web3
from web3.providers.rpc.utils import REQUEST_RETRY_ALLOWLIST, ExceptionRetryConfiguration
from zerog_py_sdk.constants import CONTRACT_ADDRESSES

from og_core.addresses import checksum
from og_core.errors import ConfigError, RpcError

log = logging.getLogger(__name__)


class Network(enum.StrEnum):
    """The networks og_core knows. A member equals its name as text: `Network.LOCAL == "local"`."""

    LOCAL = "local"  # og_devnet, on this machine
    TESTNET = "testnet"
    MAINNET = "mainnet"

    @classmethod
    def parse(cls, text: str | None) -> Network | None:
        """The network named by `text` (any case, spaces ignored; empty → local), None when unknown."""
        name = (text or cls.LOCAL).strip().lower()
        return cls(name) if name in cls._value2member_map_ else None

    @classmethod
    def listed(cls) -> str:
        """"local, testnet or mainnet", for messages that say what is allowed."""
        names = [str(n) for n in cls]
        return f"{', '.join(names[:-1])} or {names[-1]}"


_PUBLIC = {
    Network.TESTNET: (16602, "https://evmrpc-testnet.0g.ai", CONTRACT_ADDRESSES["testnet"]),
    Network.MAINNET: (16661, "https://evmrpc.0g.ai", CONTRACT_ADDRESSES["mainnet"]),
}
LOCAL_CHAIN_ID = 31337
RPC_TIMEOUT_S = 15.0
# web3 retries a request whose reply was lost (timeout, 502, cut connection) — sends included. A send
# retried after the node took it comes back "nonce too low" / "already known" and reads as a refusal
# while the first one lands. Reads keep the retry; a send goes out once and its fate is looked up
# on the chain (og_core.ledger).
SEND_METHODS = frozenset({"eth_sendRawTransaction", "eth_sendTransaction"})


def _read_retries() -> ExceptionRetryConfiguration:
    return ExceptionRetryConfiguration(
        errors=(ConnectionError, requests.HTTPError, requests.Timeout),
        method_allowlist=[m for m in REQUEST_RETRY_ALLOWLIST if m not in SEND_METHODS])


@dataclass(frozen=True)
class NetworkProfile:
    name: Network
    chain_id: int
    rpc_url: str
    addresses: dict[str, str]  # ledger, inference, fine_tuning (checksummed)
    allow_loopback: bool  # only the local profile may talk to loopback/private hosts
    demo_accounts: tuple[dict[str, str], ...] = field(default=(), repr=False)  # public test keys
    status_url: str | None = None  # a status service given explicitly (OG_STATUS_URL, og_devnet's ready JSON)

    @property
    def status_base_url(self) -> str | None:
        """The status service to ask for health: the one given explicitly, else 0G's by chain id on
        public networks; None on a local network that runs none."""
        from og_core.status import status_base_url

        if self.status_url:
            return self.status_url.rstrip("/")
        return status_base_url(self.chain_id, local=self.name == "local")


# The app's own local network streams chat at a readable pace (about 40 tokens/s): instant answers hide
# the streaming and leave no moment to press Stop. Tests and benchmarks start og_devnet without it.
LOCAL_STREAM_PACE_MS = 25
# The app's own local network runs its status service's checks (start_devnet's default keeps a network
# quiet for tests): Discover shows measured health, as on the public networks.
LOCAL_STATUS_INTERVAL_S = 15.0
_local_lock = threading.Lock()
_local_handle: Any = None  # og_devnet DevnetHandle started by this process


def _start_local_devnet() -> dict[str, Any]:
    """Start og_devnet once per process (a child process) and return its ready JSON."""
    global _local_handle
    with _local_lock:
        if _local_handle is None:
            from og_devnet.launch import start_devnet  # the only og_devnet import in og_core

            log.info("starting the local 0G network (og_devnet)")
            try:
                _local_handle = start_devnet(stream_pace_ms=LOCAL_STREAM_PACE_MS,
                                             status_interval=LOCAL_STATUS_INTERVAL_S)
            except Exception as exc:
                raise RpcError("The local network could not be started.",
                               "See the log of og_devnet; set OG_RPC_URL to use one that is already running.",
                               detail=str(exc)[-2000:]) from exc
        return _local_handle.info


def local_network_stopped() -> RpcError | None:
    """When the local network this process started has exited (crashed or killed), the error that
    says so, with the way out; None while it runs or when this process did not start one."""
    handle = _local_handle
    if handle is None or handle.process.poll() is None:
        return None
    return RpcError(f"The local network has stopped (its process exited with code {handle.process.returncode}).",
                    "Restart the app: press Ctrl-C where it runs and start it again (a new local network "
                    f"starts with it). Its log is {handle.log_path}.")


def local_devnet_info() -> dict[str, Any] | None:
    """Ready JSON of the network this process started, if any (demo accounts, providers)."""
    return _local_handle.info if _local_handle is not None else None


def _checksum_all(addresses: dict[str, str]) -> dict[str, str]:
    try:
        return {k: checksum(v) for k, v in addresses.items() if v}
    except ValueError as exc:
        raise ConfigError("A contract address in the settings is not a valid address.",
                          "Check OG_LEDGER_ADDRESS / OG_INFERENCE_ADDRESS.", detail=str(exc)) from exc


def resolve_profile(name: str | None, *, rpc_url: str | None = None,
                    addresses: Mapping[str, str | None] | None = None, status_url: str | None = None
                    ) -> NetworkProfile:
    network = Network.parse(name)
    if network is None:
        raise ConfigError(f"“{str(name)[:60]}” is not a known network.", f"Use {Network.listed()}.")
    overrides = {k: v for k, v in (addresses or {}).items() if v}
    if network is Network.LOCAL:
        hardhat = CONTRACT_ADDRESSES["hardhat"]
        base = {"ledger": hardhat.ledger, "inference": hardhat.inference, "fine_tuning": hardhat.fine_tuning}
        demo: tuple[dict[str, str], ...] = ()
        if not rpc_url:
            info = _start_local_devnet()
            rpc_url = info["rpc_url"]
            base.update(info.get("addresses") or {})
            demo = tuple(info.get("demo_accounts") or ())
            if not status_url and isinstance(info.get("status_url"), str):
                status_url = info["status_url"]
        base.update(overrides)
        return NetworkProfile(network, LOCAL_CHAIN_ID, rpc_url, _checksum_all(base), True, demo, status_url)
    chain_id, default_rpc, addrs = _PUBLIC[network]
    base = {"ledger": addrs.ledger, "inference": addrs.inference, "fine_tuning": addrs.fine_tuning}
    base.update(overrides)
    return NetworkProfile(network, chain_id, rpc_url or default_rpc, _checksum_all(base), False,
                          status_url=status_url)


_web3_lock = threading.Lock()
_web3_by_url: dict[str, Web3] = {}
_checked: set[tuple[str, int]] = set()


def web3_for(profile: NetworkProfile) -> Web3:
    """Shared Web3 per RPC URL; the chain id is checked once per process and URL."""
    with _web3_lock:
        w3 = _web3_by_url.get(profile.rpc_url)
        if w3 is None:
            w3 = Web3(Web3.HTTPProvider(profile.rpc_url, request_kwargs={"timeout": RPC_TIMEOUT_S},
                                        exception_retry_configuration=_read_retries()))
            _web3_by_url[profile.rpc_url] = w3
    key = (profile.rpc_url, profile.chain_id)
    if key not in _checked:
        try:
            chain_id = int(w3.eth.chain_id)
        except Exception as exc:
            raise RpcError.from_exception(exc, message=f"The {profile.name} network's RPC endpoint does not answer.",
                                          hint="Check your connection or OG_RPC_URL, then try again.") from exc
        if chain_id != profile.chain_id:
            raise ConfigError(
                f"The RPC endpoint serves chain {chain_id}, but the {profile.name} network is chain "
                f"{profile.chain_id}.", "Point OG_RPC_URL at the right network or change OG_NETWORK.")
        _checked.add(key)
    return w3
