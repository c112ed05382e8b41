"""Wiring of one OgClient: settings → profile → Web3 → SDK broker (contract objects) → og_core parts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from eth_account import Account
from web3 import Web3
from zerog_py_sdk.broker import ZGServingBroker

from og_core.auth import SessionAuth
from og_core.config import SecretStr, Settings
from og_core.discovery import Discovery
from og_core.errors import ConfigError
from og_core.inference import Inference
from og_core.ledger import LedgerReads
from og_core.networks import Network, NetworkProfile, resolve_profile, web3_for
from og_core.safety import UrlGuard
from og_core.sdk_io import sdk_output
from og_core.transactions import TxKind, TxPlan
from og_core.tx_plans import TxPlanner
from og_core.tx_sender import TxSender


@dataclass
class ClientContext:
    profile: NetworkProfile
    web3: Web3
    account: Any  # LocalAccount | None — never exposed, never logged
    broker: ZGServingBroker
    http: httpx.Client
    url_guard: UrlGuard
    auth: SessionAuth
    discovery: Discovery
    reads: LedgerReads  # ledger view, accounts, chain time
    plans: TxPlanner  # transaction plans (rules + words)
    sender: TxSender  # sends plans; the wallet's pending tx and history
    inference: Inference

    @property
    def address(self) -> str | None:
        return self.account.address if self.account is not None else None

    def close(self) -> None:
        self.inference.close()
        self.discovery.close()
        self.http.close()


_KEY = re.compile(r"(?:0[xX])?[0-9a-fA-F]{64}")


def _account(private_key: str | SecretStr | None) -> Any:
    if private_key is None:
        return None
    key = private_key.get_secret_value() if isinstance(private_key, SecretStr) else str(private_key)
    key = key.strip()
    if not key:
        return None
    if _KEY.fullmatch(key) is None:  # eth_account pads a 63-digit key: a typo would open another wallet
        raise ConfigError("The private key is not valid.", "It must be 64 hex characters (optionally with 0x).")
    try:
        return Account.from_key("0x" + key[-64:])
    except Exception:
        # never echo the key (or the library's message, which may quote it)
        raise ConfigError("The private key is not valid.", "It must be 64 hex characters (optionally with 0x).") from None


def build_context(network: str | None, private_key: str | SecretStr | None, *, settings: Settings | None,
                  rpc_url: str | None, addresses: dict[str, str] | None, http_timeout_s: float,
                  status_url: str | None = None) -> ClientContext:
    settings = settings if settings is not None else Settings.from_env()
    name = network or settings.network
    same_network = Network.parse(name) == settings.network
    profile = resolve_profile(
        name,
        rpc_url=rpc_url or (settings.rpc_url if same_network else None),
        addresses=addresses or ({"ledger": settings.ledger_address, "inference": settings.inference_address,
                                 "fine_tuning": settings.fine_tuning_address} if same_network else None),
        status_url=status_url or (settings.status_url if same_network else None),
    )
    account = _account(private_key if private_key is not None else settings.private_key)
    w3 = web3_for(profile)
    with sdk_output():
        broker = ZGServingBroker(account, w3, inference_address=profile.addresses["inference"],
                                 ledger_address=profile.addresses["ledger"],
                                 fine_tuning_address=profile.addresses["fine_tuning"])
    guard = UrlGuard(local=profile.allow_loopback)
    http = guard.client(httpx.Timeout(http_timeout_s, connect=10.0))
    auth = SessionAuth(account, broker.serving_contract, chain_id=profile.chain_id)
    discovery = Discovery(broker.serving_contract, profile.rpc_url, http, guard)

    def on_confirmed(plan: TxPlan) -> None:
        if plan.kind is TxKind.REVOKE_ALL_TOKENS:
            auth.mark_revoked(plan.providers[0], None)
        elif plan.kind is TxKind.REVOKE_TOKEN:
            auth.mark_revoked(plan.providers[0], int(plan.args[1]))

    reads = LedgerReads(w3, account, broker.ledger_contract, broker.serving_contract)
    plans = TxPlanner(reads, service_exists=lambda p: discovery.service(p))
    sender = TxSender(reads, profile.chain_id, on_confirmed=on_confirmed)
    inference = Inference(auth, http, guard, account.address if account is not None else None, http_timeout_s)
    return ClientContext(profile, w3, account, broker, http, guard, auth, discovery, reads, plans, sender, inference)
