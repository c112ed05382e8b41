"""Service and sub-account state read from the InferenceServing contract, with a short cache.

A warm request must not touch the chain (the benchmark wants ≥150 req/s through one broker), so reads
are cached for ``ttl`` seconds and refreshed on a miss or when an admission check fails.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import anyio.to_thread
from web3 import Web3
from web3.exceptions import ContractLogicError

from .contract_abi import inference_abi


class AccountMissing(Exception):
    """The sub-account does not exist (or could not be read)."""


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


class ChainView:
    def __init__(self, w3: Web3, inference_address: str, provider_address: str, ttl: float = 1.5) -> None:
        self.w3 = w3
        self.contract = w3.eth.contract(address=Web3.to_checksum_address(inference_address), abi=inference_abi())
        self.provider = Web3.to_checksum_address(provider_address)
        self.ttl = ttl
        self._service: tuple[float, ServiceState] | None = None
        # user(lower) -> (fetched_at, state or the error text when missing)
        self._accounts: dict[str, tuple[float, AccountState | str]] = {}
        self._lock = threading.Lock()

    # -- blocking reads (run in a worker thread from async code) --
    def fetch_service(self) -> ServiceState:
        s = self.contract.functions.getService(self.provider).call()
        state = ServiceState(
            service_type=s[1], url=s[2], input_price=s[3], output_price=s[4], model=s[6],
            verifiability=s[7], additional_info=s[8], tee_signer=s[9], tee_acknowledged=s[10],
        )
        self._service = (time.monotonic(), state)
        return state

    def fetch_account(self, user: str) -> AccountState | str:
        """The account, or an error text when it does not exist / cannot be read."""
        result: AccountState | str
        try:
            a = self.contract.functions.getAccount(Web3.to_checksum_address(user), self.provider).call()
            result = AccountState(
                user=a[0], nonce=a[2], balance=a[3], pending_refund=a[4], acknowledged=a[7],
                generation=a[9], revoked_bitmap=a[10],
            )
        except ContractLogicError as exc:
            result = str(exc) or "execution reverted"
        except Exception as exc:  # RPC outage: reported the same way the real broker does
            result = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._accounts[user.lower()] = (time.monotonic(), result)
        return result

    # -- async, cache first --
    async def service(self, force: bool = False) -> ServiceState:
        cached = self._service
        if not force and cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        return await anyio.to_thread.run_sync(self.fetch_service)

    async def account(self, user: str, force: bool = False) -> AccountState | str:
        cached = self._accounts.get(user.lower())
        if not force and cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        return await anyio.to_thread.run_sync(self.fetch_account, user)

    def invalidate(self, user: str | None = None) -> None:
        with self._lock:
            if user is None:
                self._accounts.clear()
            else:
                self._accounts.pop(user.lower(), None)
