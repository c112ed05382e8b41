"""The status service's wallet on the chain: its ledger, and a funded sub-account at each chatbot it
checks. Every call is blocking web3 (run it in a thread)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from web3 import Web3

from ..contracts.build import load_artifact
from ..deploy import SERVICE_NAME
from ..deployer import Deployer

log = logging.getLogger(__name__)

OG = 10**18
WALLET_BALANCE = 1_000 * OG
LEDGER_DEPOSIT = 200 * OG
PER_PROVIDER = 2 * OG  # above the broker's 1 OG reserve; a check costs well under 0.001 OG
PAGE = 50  # the contracts' getAllServices page size


class StatusWallet:
    def __init__(self, w3: Web3, key: str, inference: str, ledger: str) -> None:
        self.w3 = w3
        self.sender = Deployer(w3, key)
        self.inference = w3.eth.contract(address=Web3.to_checksum_address(inference),
                                         abi=load_artifact("InferenceServing")["abi"])
        self.ledger = w3.eth.contract(address=Web3.to_checksum_address(ledger),
                                      abi=load_artifact("LedgerManager")["abi"])
        self.funded: set[str] = set()
        self._warned: set[str] = set()  # providers it could not fund (e.g. the ledger's per-user limit)
        self._lock = threading.Lock()  # one transaction at a time: they share the wallet's nonces

    @property
    def address(self) -> str:
        return self.sender.address

    def open(self) -> None:
        """Give the wallet gas money and a ledger (a local-only control, as on hardhat)."""
        self.w3.provider.make_request("hardhat_setBalance", [self.address, hex(WALLET_BALANCE)])  # type: ignore[arg-type]
        self.sender.call(self.ledger.functions.addLedger(""), value=LEDGER_DEPOSIT)

    def fund(self, provider: str) -> bool:
        """A sub-account at `provider` (the first transfer also acknowledges it); False if it failed."""
        key = provider.lower()
        with self._lock:
            return self._fund(provider, key)

    def _fund(self, provider: str, key: str) -> bool:
        if key in self.funded:
            return True
        try:
            self.sender.call(self.ledger.functions.transferFund(Web3.to_checksum_address(provider), SERVICE_NAME,
                                                                PER_PROVIDER))
        except Exception as exc:  # noqa: BLE001 - a revert or a busy chain: check it for free, retry next round
            if key not in self._warned:
                log.warning("the status wallet could not fund %s: %s", provider, exc)
                self._warned.add(key)
            return False
        self.funded.add(key)
        return True

    def services(self) -> list[Any]:
        """Every registered service (the contract's tuples), page by page."""
        out: list[Any] = []
        offset = 0
        while True:
            page, total = self.inference.functions.getAllServices(offset, PAGE).call()
            out.extend(page)
            offset += len(page)
            if not page or offset >= total:
                return out
