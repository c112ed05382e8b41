"""The checking loop: every `interval` seconds, read the registered services from the chain and check
each one (probe.py), a few at a time; keep each (provider, model)'s rolling record (metrics.py)."""

from __future__ import annotations

import itertools
import logging
import time
from typing import Any

import anyio
import anyio.to_thread
import httpx

from .metrics import Check, ServiceRecord, health_document
from .probe import CHECK_TIMEOUT_S, PROMPTS, Target, chat_check, checkable_url, read_models
from .session import Sessions
from .wallet import StatusWallet

log = logging.getLogger(__name__)
PARALLEL_CHECKS = 4
MAX_SERVICES = 2_000  # the most services it keeps records of


class Monitor:
    def __init__(self, wallet: StatusWallet, wallet_key: str, interval: float) -> None:
        self.wallet = wallet
        self.sessions = Sessions(wallet_key)
        self.interval = interval
        self.records: dict[tuple[str, str], ServiceRecord] = {}
        # lower-case provider → (its address as registered, its /v1/models objects)
        self.models: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        self.monitoring = False
        self.rounds = 0
        self._prompts = itertools.cycle(PROMPTS)

    # ---------- what the server answers ----------
    def health(self) -> dict[str, Any]:
        return health_document(list(self.records.values()), monitoring=self.monitoring)

    def model_list(self) -> dict[str, Any]:
        data = [{**obj, "provider": provider} for provider, objects in list(self.models.values()) for obj in objects]
        return {"object": "list", "data": data}

    # ---------- the loop ----------
    async def run(self) -> None:
        """Check forever (the caller cancels); never raises for what a provider or the chain does."""
        if self.interval <= 0:
            return
        await anyio.to_thread.run_sync(self.wallet.open)
        self.monitoring = True
        limits = httpx.Limits(max_connections=PARALLEL_CHECKS * 2, max_keepalive_connections=PARALLEL_CHECKS)
        async with httpx.AsyncClient(timeout=CHECK_TIMEOUT_S, follow_redirects=False, trust_env=False,
                                     limits=limits) as client:
            while True:
                started = time.monotonic()
                try:
                    await self.round(client)
                except Exception:  # noqa: BLE001 - e.g. the chain is briefly unreachable: try next round
                    log.exception("a status round failed")
                await anyio.sleep(max(0.0, self.interval - (time.monotonic() - started)))

    async def round(self, client: httpx.AsyncClient) -> None:
        targets = await anyio.to_thread.run_sync(self._targets)
        keys = {(t.provider.lower(), t.model) for t in targets}
        for gone in [k for k in self.records if k not in keys]:
            del self.records[gone]
        for provider in [p for p in self.models if p not in {k[0] for k in keys}]:
            del self.models[provider]
        limiter = anyio.CapacityLimiter(PARALLEL_CHECKS)

        async def one(target: Target) -> None:
            async with limiter:
                check = await self.check(client, target)
            key = (target.provider.lower(), target.model)
            record = self.records.get(key)
            if record is None:
                record = self.records[key] = ServiceRecord(target.provider, target.model, target.service_type)
            record.service_type = target.service_type
            record.add(check)

        async with anyio.create_task_group() as tg:
            for target in targets:
                tg.start_soon(one, target)
        self.rounds += 1

    async def check(self, client: httpx.AsyncClient, target: Target) -> Check:
        if not target.url:
            return Check(ok=False, at=time.time(), error="its URL is not one the status service checks")
        listed, objects = await read_models(client, target)
        if listed.ok:
            self.models[target.provider.lower()] = (target.provider, objects)
        if not listed.ok or target.service_type != "chatbot":
            return listed
        if not await anyio.to_thread.run_sync(self.wallet.fund, target.provider):
            return listed  # no sub-account to pay from: the free check is all there is
        return await chat_check(client, target, self.sessions.header(target.provider), next(self._prompts))

    def _targets(self) -> list[Target]:
        out = []
        for svc in self.wallet.services()[:MAX_SERVICES]:
            provider, service_type, url, model = svc[0], svc[1], svc[2], svc[6]
            out.append(Target(provider=provider, url=checkable_url(url) or "", model=model,
                              service_type=service_type))
        return out
