"""Service and sub-account state read from the InferenceServing contract, cached.

Sub-accounts carry the session checks (generation, revoked bitmap), and a revoked token must never be
served once its revocation is mined. So an account is cached together with the block it was read at,
and reused only while that block is still the chain's head — read after the request arrived (shared by
concurrent requests, see `BlockClock`). The service is cached for ``ttl`` seconds and re-read when an
admission check fails.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import anyio
import anyio.to_thread
from web3 import Web3
from web3.exceptions import ContractLogicError

from .contract_abi import inference_abi

# Accounts kept in memory: tokens signed by throwaway keys must not grow the cache without bound.
MAX_CACHED_ACCOUNTS = 4096
ACCOUNT_NOT_EXIST = "account not exist"  # the real broker's words for a reverting getAccount


@dataclass(frozen=True)
class ServiceState:
    service_type: str
    url: str
    input_price: int
    output_price: int
    model: str
    verifiability: str
    additional_info: str
    tee_signer: str
    tee_acknowledged: bool
    updated_at: int = 0  # unix seconds of the last registration


@dataclass(frozen=True)
class AccountState:
    user: str
    nonce: int
    balance: int
    pending_refund: int
    acknowledged: bool
    generation: int
    revoked_bitmap: int

    @property
    def locked(self) -> int:
        return self.balance - self.pending_refund


class BlockClock:
    """The chain's head block number, as read *after* the caller asked for it.

    Concurrent callers share one ``eth_blockNumber`` read, but never one that started before they
    arrived: that read could predate a transaction the caller has already seen mined."""

    def __init__(self, read: Callable[[], int]) -> None:
        self._read = read
        self._started = 0  # reads started so far; read k is the k-th
        self._finished = 0  # the latest read that has finished
        self._value: int | None = None
        self._in_flight: anyio.Event | None = None

    async def head(self) -> int | None:
        """The head block number, or None when the chain could not be read."""
        wanted = self._started + 1  # the first read to start from now on
        while self._finished < wanted:
            if self._in_flight is None:
                await self._run()
            else:
                await self._in_flight.wait()
        return self._value

    async def _run(self) -> None:
        self._started += 1
        number, done = self._started, anyio.Event()
        self._in_flight = done
        try:
            self._value = await anyio.to_thread.run_sync(self._read)
        except Exception:  # RPC outage: callers fall back to reading "latest"
            self._value = None
        finally:
            self._finished, self._in_flight = number, None
            done.set()


class ChainView:
    def __init__(self, w3: Web3, inference_address: str, provider_address: str, ttl: float = 1.5) -> None:
        self.w3 = w3
        self.contract = w3.eth.contract(address=Web3.to_checksum_address(inference_address), abi=inference_abi())
        self.provider = Web3.to_checksum_address(provider_address)
        self.ttl = ttl
        self._service: tuple[float, ServiceState] | None = None
        # user(lower) -> (block read at, state or the error text when missing), least recently used first
        self._accounts: OrderedDict[str, tuple[int, AccountState | str]] = OrderedDict()
        self._lock = threading.Lock()
        self.clock = BlockClock(lambda: int(self.w3.eth.block_number))

    # -- blocking reads (run in a worker thread from async code) --
    def fetch_service(self) -> ServiceState:
        s = self.contract.functions.getService(self.provider).call()
        state = ServiceState(
            service_type=s[1], url=s[2], input_price=s[3], output_price=s[4], model=s[6],
            verifiability=s[7], additional_info=s[8], tee_signer=s[9], tee_acknowledged=s[10],
            updated_at=s[5],
        )
        self._service = (time.monotonic(), state)
        return state

    def fetch_account(self, user: str, block: int | None = None) -> AccountState | str:
        """The account at `block` (None: latest), or an error text when it does not exist / cannot be
        read. Reads at a known block are cached under that block."""
        result: AccountState | str
        try:
            a = self.contract.functions.getAccount(Web3.to_checksum_address(user), self.provider).call(
                block_identifier=block if block is not None else "latest")
            result = AccountState(
                user=a[0], nonce=a[2], balance=a[3], pending_refund=a[4], acknowledged=a[7],
                generation=a[9], revoked_bitmap=a[10],
            )
        except ContractLogicError:  # getAccount reverts only with AccountNotExists(user, provider)
            result = ACCOUNT_NOT_EXIST
        except Exception as exc:  # RPC outage: reported, never cached
            return f"{type(exc).__name__}: {exc}"
        if block is not None:
            self._remember(user.lower(), block, result)
        return result

    def _remember(self, key: str, block: int, state: AccountState | str) -> None:
        with self._lock:
            self._accounts[key] = (block, state)
            self._accounts.move_to_end(key)
            while len(self._accounts) > MAX_CACHED_ACCOUNTS:
                self._accounts.popitem(last=False)

    def _cached(self, key: str, head: int) -> AccountState | str | None:
        with self._lock:
            entry = self._accounts.get(key)
            if entry is None or entry[0] < head:
                return None
            self._accounts.move_to_end(key)
            return entry[1]

    # -- async, cache first --
    async def service(self, force: bool = False) -> ServiceState:
        cached = self._service
        if not force and cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        return await anyio.to_thread.run_sync(self.fetch_service)

    async def account(self, user: str, force: bool = False) -> AccountState | str:
        """The account as of a head block read after this call began; `force` skips the cache."""
        head = await self.clock.head()
        if head is not None and not force:
            cached = self._cached(user.lower(), head)
            if cached is not None:
                return cached
        return await anyio.to_thread.run_sync(self.fetch_account, user, head)

    def invalidate(self, user: str | None = None) -> None:
        with self._lock:
            if user is None:
                self._accounts.clear()
            else:
                self._accounts.pop(user.lower(), None)
