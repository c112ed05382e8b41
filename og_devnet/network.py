"""Bring up a whole local 0G network: the chain in this process, each provider's broker in a child.

Order, for a fast boot: import the engines, fork the providers (before any thread starts here),
then chain → contracts → provider registrations; then hand the providers the chain (their brokers
start while the first demo wallet is made ready) and wait until each broker answers.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from web3 import Web3

from .accounts import DEPLOYER, STATUS_WALLET_INDEX, USERS, hardhat_account
from .broker import engine_loader
from .broker.config import SPEECH_LIMIT_S
from .broker.process import ProviderGroup, fork_providers, hand_over, wait_for_providers
from .chain import CHAIN_ID, ChainNode
from .deploy import (
    READY_AVAILABLE,
    READY_FUND_PER_PROVIDER,
    Addresses,
    deploy,
    ready_wallet,
    register_provider,
)
from .engines import llm
from .providers import LOCAL_LLM, additional_info, catalogue, provider_configs
from .status.process import StatusProcess

log = logging.getLogger("og_devnet")

DEFAULT_LOCK_TIME = 24 * 3600  # as on the public deployments; demos advance time instead
DEFAULT_STATUS_INTERVAL = 15.0  # seconds between the status service's rounds of checks


def _free_ports(n: int) -> list[int]:
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


@dataclass
class Devnet:
    port: int = 8545
    contracts: str = "ours"
    settle_interval: float = 30.0
    limits: bool = True
    lock_time: int = DEFAULT_LOCK_TIME
    stream_pace_ms: float = 0.0
    speech_limit_s: float = SPEECH_LIMIT_S
    # The first demo wallet starts with a ledger and 3 OG at every provider (5 OG more stay available):
    # a newcomer's first request needs no transaction. The other demo wallets start empty.
    ready_demo: bool = True
    # Seconds between the status service's rounds of checks; 0 = it answers, but checks nothing (a quiet
    # network for tests that count transactions or fees exactly).
    status_interval: float = DEFAULT_STATUS_INTERVAL
    # The optional real language model as one more chat provider (needs requirements-llm.txt).
    local_llm: bool = False
    chain: ChainNode | None = field(default=None, init=False)
    brokers: ProviderGroup | None = field(default=None, init=False)
    status: StatusProcess | None = field(default=None, init=False)
    addresses: Addresses | None = field(default=None, init=False)
    boot_seconds: float = field(default=0.0, init=False)

    def start(self) -> dict[str, Any]:
        """Start everything; call from the main thread (a provider child dies with the thread that
        forked it, see broker/lifeline.py)."""
        t0 = time.perf_counter()
        if self.local_llm and not llm.installed():
            raise RuntimeError(f"the local language model is not installed; add it with: {llm.INSTALL_COMMAND}")
        specs = catalogue(self.local_llm)
        # Provider URLs go on-chain, so the ports are fixed before the brokers start:
        # next to the RPC port when one was given, otherwise free ones.
        n = len(specs)
        ports = [self.port + 1 + i for i in range(n)] if self.port else _free_ports(n)
        configs = provider_configs(ports=ports, settle_interval=self.settle_interval, limits=self.limits,
                                   stream_pace=self.stream_pace_ms / 1000, speech_limit_s=self.speech_limit_s,
                                   specs=specs)
        if len({cfg.provider_address for cfg in configs}) != len(configs):  # one wallet, one service
            raise RuntimeError("two local providers share a wallet: the second would replace the first's service")
        # The engines are imported here, once, and shared by every child (copy-on-write): imported in
        # each child instead they cost ~3x the CPU, which slowed the deployment they ran beside.
        for cfg in configs:
            engine_loader.load(cfg.service_type, cfg.engine)
        procs = fork_providers(configs)
        self.status = StatusProcess(port=self.port + 1 + n if self.port else 0, interval=self.status_interval,
                                    wallet_key=hardhat_account(STATUS_WALLET_INDEX)[1])
        try:
            self.chain = ChainNode()
            rpc_url = self.chain.start(self.port)
            w3 = Web3(Web3.HTTPProvider(rpc_url))
            self.addresses = deploy(w3, DEPLOYER[1], contracts=self.contracts, lock_time=self.lock_time)
            for spec, cfg in zip(specs, configs, strict=True):
                register_provider(
                    w3, self.addresses.inference, cfg.provider_key, DEPLOYER[1],
                    service_type=spec.service_type, url=f"http://127.0.0.1:{cfg.port}", model=spec.model,
                    input_price=spec.input_price, output_price=spec.output_price,
                    verifiability=spec.verifiability, additional_info=additional_info(spec),
                    tee_signer=cfg.tee_address)
            hand_over(procs, rpc_url, self.addresses.inference, CHAIN_ID)  # they start while we go on
            self.status.hand_over(rpc_url, self.addresses.inference, self.addresses.ledger)
            if self.ready_demo:
                ready_wallet(w3, self.addresses.ledger, USERS[0][1], [cfg.provider_address for cfg in configs])
        except BaseException:
            for p in procs:
                p.stop()
            self.stop()
            raise
        try:
            self.brokers = wait_for_providers(procs)
            self.status.wait_ready()
        except BaseException:
            self.stop()
            raise
        self.boot_seconds = time.perf_counter() - t0
        self.status.go()  # its checks start now that the network is ready
        return self.info(rpc_url)

    def info(self, rpc_url: str) -> dict[str, Any]:
        assert self.addresses is not None and self.brokers is not None
        providers = []
        for (cfg, url), spec in zip(self.brokers, catalogue(self.local_llm), strict=True):
            providers.append({
                "name": cfg.name, "address": cfg.provider_address, "url": url,
                "service_type": spec.service_type, "model": spec.model,
                "verifiability": spec.verifiability or "none", "tee_signer": cfg.tee_address,
                "input_price": spec.input_price, "output_price": spec.output_price})
        return {
            "rpc_url": rpc_url, "chain_id": CHAIN_ID, "contracts": self.contracts,
            "lock_time": self.lock_time, "boot_seconds": round(self.boot_seconds, 3),
            "addresses": {"ledger": self.addresses.ledger, "inference": self.addresses.inference,
                          "fine_tuning": self.addresses.fine_tuning},
            "providers": providers,
            "pids": {"devnet": os.getpid(), "providers": self.brokers.pids,
                     "status": self.status.pid if self.status else None},
            # The local compute-status service (GET /health, GET /models), its wallet and check interval.
            "status_url": self.status.url if self.status else None,
            "status_wallet": hardhat_account(STATUS_WALLET_INDEX)[0],
            "status_interval": self.status_interval,
            "deployer": DEPLOYER[0],
            "provider_wallets": [cfg.provider_address for cfg, _ in self.brokers],
            # Whether the optional local language model serves here, and how to add it when absent.
            "local_llm": {"installed": llm.installed(), "enabled": self.local_llm,
                          "provider": LOCAL_LLM.name if self.local_llm else None,
                          "model": LOCAL_LLM.model, "install": llm.INSTALL_COMMAND},
            # PUBLIC hardhat test keys — printed on purpose so people can try the network.
            "demo_accounts": [{"address": a, "private_key": k} for a, k in USERS],
            # The demo wallet that starts with a ledger and this much (wei) at every provider, and this
            # much available in its ledger, or null.
            "ready_demo": ({"address": USERS[0][0], "per_provider_wei": str(READY_FUND_PER_PROVIDER),
                            "available_wei": str(READY_AVAILABLE)} if self.ready_demo else None),
        }

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None
        if self.brokers is not None:
            self.brokers.stop()
            self.brokers = None
        if self.chain is not None:
            self.chain.stop()
            self.chain = None
