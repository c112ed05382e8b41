"""Ledger reads for one wallet: the LedgerView (wallet, ledger, every provider sub-account and its
refunds), one provider's account, chain time, and the cached service name and refund lock time.

A page run reads every sub-account; those reads go out as JSON-RPC batches (og_core.rpc_batch), so the
cost is a constant number of round trips, not one per provider. Plans are in og_core.tx_plans, the
sender in og_core.tx_sender.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from eth_typing import ChecksumAddress
from web3 import Web3

from og_core.accounts import LedgerView, PendingRefund, ProviderAccount
from og_core.addresses import checksum
from og_core.errors import NotFoundError, OgError, ReadOnlyError, RpcError, RuleError
from og_core.protocol import MIN_FIRST_TRANSFER_WEI, MIN_LEDGER_WEI
from og_core.reverts import is_revert_named, revert_from_exception
from og_core.rpc_batch import BatchRead
from og_core.transactions import TxPlan


def read_chain_time(w3: Web3) -> int:
    """The latest block's timestamp (unix seconds), on any network."""
    try:
        return int(w3.eth.get_block("latest")["timestamp"])
    except Exception as exc:
        raise RpcError.from_exception(exc, "reading the chain time") from exc


def provider_address(provider: str) -> str:
    """A provider address, checksummed; anything else is NotFoundError in words."""
    try:
        return checksum(provider)
    except ValueError:
        raise NotFoundError(f"“{str(provider)[:60]}” is not a provider address.",
                            "Pick a provider from the Discover page.") from None


def ledger_from(raw: Any) -> tuple[int, int] | None:
    """getLedger's answer (or the exception it raised) → (available, total), or None: no ledger."""
    if isinstance(raw, BaseException):
        if is_revert_named(raw, "LedgerNotExists"):
            return None
        raise revert_from_exception(raw) or RpcError.from_exception(raw, "reading your ledger") from raw
    if int(str(raw[0]), 16) == 0:  # a zeroed struct also means "no ledger"
        return None
    return int(raw[1]), int(raw[2])


class LedgerReads:
    """The chain reads about one wallet (one client). `address()` raises ReadOnlyError without a key."""

    def __init__(self, web3: Web3, account: Any, ledger_contract: Any, serving_contract: Any) -> None:
        self.w3 = web3
        self.account = account
        self.ledger = ledger_contract
        self.serving = serving_contract
        self._service_name: str | None = None
        self._lock_time: int | None = None

    def address(self) -> str:
        if self.account is None:
            raise ReadOnlyError("This needs a wallet, but no private key is configured.",
                                "Set PRIVATE_KEY (or pick a demo account on the local network).")
        return self.account.address

    def service_name(self) -> str:
        """The inference service's registered full name (e.g. inference-v1.0), cached once found."""
        if self._service_name is None:
            try:
                info = self.ledger.functions.getServiceInfo(self.serving.address).call()
            except Exception as exc:
                if revert_from_exception(exc) is not None:
                    raise RuleError("The ledger does not know the inference contract.",
                                    "The network's contract addresses look wrong.", detail=str(exc)[:300]) from exc
                raise RpcError.from_exception(exc, "reading the service name") from exc
            if not info[4]:
                raise RuleError("The inference service is not registered in the ledger.",
                                "The network's contract addresses look wrong.")
            self._service_name = str(info[4])
        return self._service_name

    def lock_time(self) -> int:
        if self._lock_time is None:
            try:
                self._lock_time = int(self.serving.functions.lockTime().call())
            except Exception as exc:
                raise RpcError.from_exception(exc, "reading the refund lock time") from exc
        return self._lock_time

    def ledger_tuple(self, address: str) -> tuple[int, int] | None:
        """(available, total) or None when the wallet has no ledger."""
        try:
            raw = self.ledger.functions.getLedger(address).call()
        except Exception as exc:
            return ledger_from(exc)
        return ledger_from(raw)

    def provider_account(self, address: str, provider: str) -> ProviderAccount | None:
        try:
            raw = self.serving.functions.getAccount(address, provider).call()
        except Exception as exc:
            return self.account_from(exc)
        return self.account_from(raw)

    def account_from(self, raw: Any) -> ProviderAccount | None:
        """getAccount's answer (or the exception it raised) → the sub-account, or None: there is none."""
        if isinstance(raw, BaseException):
            if is_revert_named(raw, "AccountNotExists"):
                return None
            raise revert_from_exception(raw) or RpcError.from_exception(raw, "reading a provider account") from raw
        lock = self.lock_time()
        refunds = tuple(
            PendingRefund(index=int(r[0]), amount_wei=int(r[1]), created_at=int(r[2]),
                          unlocks_at=int(r[2]) + lock, processed=bool(r[3]))
            for r in raw[5] if not r[3] and int(r[1]) > 0)
        return ProviderAccount(provider=checksum(raw[1]), balance_wei=int(raw[3]),
                               pending_refund_wei=int(raw[4]), acknowledged=bool(raw[7]),
                               generation=int(raw[9]), revoked_bitmap=int(raw[10]), refunds=refunds)

    def batch(self, what: str, build: Callable[[BatchRead], object]) -> list[Any]:
        batch = BatchRead(self.w3)
        build(batch)
        try:
            return batch.run()
        except Exception as exc:
            raise RpcError.from_exception(exc, what) from exc

    def ledger_view(self) -> LedgerView:
        """Two round trips whatever the number of providers: wallet + ledger + provider list in one
        JSON-RPC batch, then every sub-account in another."""
        address = self.address()
        lock_time = self.lock_time()  # cached after the first read, like the service name
        try:
            service: str | OgError = self.service_name()
        except OgError as exc:  # matters only when there is a ledger to list providers of
            service = exc

        def first(b: BatchRead) -> None:
            b.balance(address)
            b.call(self.ledger.functions.getLedger(address))
            if isinstance(service, str):
                b.call(self.ledger.functions.getLedgerProviders(address, service))

        wallet_raw, ledger_raw, *addrs = self.batch("reading your ledger", first)
        if isinstance(wallet_raw, BaseException):
            raise RpcError.from_exception(wallet_raw, "reading your wallet balance") from wallet_raw
        ledger = ledger_from(ledger_raw)
        providers: list[ProviderAccount] = []
        if ledger is not None:
            if isinstance(service, OgError):
                raise service
            addrs_raw = addrs[0]
            if isinstance(addrs_raw, BaseException):
                raise RpcError.from_exception(addrs_raw, "listing your providers") from addrs_raw
            listed = [checksum(a) for a in addrs_raw]
            answers = self.batch("reading your provider accounts", lambda b: [
                b.call(self.serving.functions.getAccount(address, p)) for p in listed]) if listed else []
            providers = [a for a in map(self.account_from, answers) if a is not None]
        available, total = ledger if ledger is not None else (0, 0)
        return LedgerView(address=address, wallet_balance_wei=int(wallet_raw), exists=ledger is not None,
                          available_wei=available, total_wei=total, providers=tuple(providers),
                          lock_time_s=lock_time, min_ledger_wei=MIN_LEDGER_WEI,
                          min_first_transfer_wei=MIN_FIRST_TRANSFER_WEI)

    def account_state(self, provider: str) -> tuple[tuple[int, int] | None, ProviderAccount | None]:
        """(ledger (available, total) or None, this wallet's sub-account with `provider` or None):
        one round trip (a batch of two view calls), cheaper than `ledger_view` when one provider matters."""
        address = self.address()
        provider = provider_address(provider)
        self.lock_time()  # cached after the first read
        ledger_raw, account_raw = self.batch("reading your ledger", lambda b: [
            b.call(self.ledger.functions.getLedger(address)),
            b.call(self.serving.functions.getAccount(address, provider))])
        ledger = ledger_from(ledger_raw)
        if ledger is None:
            return None, None
        return ledger, self.account_from(account_raw)

    def chain_time(self) -> int:
        """The latest block's timestamp: refund locks run on chain time, which can differ from the wall clock
        (and on the local network jumps ahead with `advance_time`)."""
        return read_chain_time(self.w3)

    def wallet_balance(self) -> int:
        try:
            return int(self.w3.eth.get_balance(cast(ChecksumAddress, self.address())))
        except Exception as exc:
            raise RpcError.from_exception(exc, "reading your wallet balance") from exc

    def gas_price(self) -> int:
        try:
            return int(self.w3.eth.gas_price)
        except Exception as exc:
            raise RpcError.from_exception(exc, "reading the gas price") from exc

    def function(self, plan: TxPlan) -> Any:
        """The plan's contract call, bound to its arguments."""
        contract = self.ledger if plan.contract == "ledger" else self.serving
        return getattr(contract.functions, plan.function)(*plan.args)
