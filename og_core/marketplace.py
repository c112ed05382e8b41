"""`client.marketplace`: what the market offers and costs — health from the status service, the
provider model lists, pricing and cost estimates, TEE attestation. OgClient delegates to it, so
`client.health()`, `client.pricing(...)` etc. are the public names."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from og_core.attestation import AttestationLog, Step, attest
from og_core.billing import ChatCost, CostEstimate, estimate_cost, estimate_prompt_tokens
from og_core.context import ClientContext
from og_core.discovery import provider_base
from og_core.market import MarketView, summarize_models
from og_core.model_info import MODELS_TIMEOUT_S, ModelInfo, ModelList, fetch_model_list
from og_core.pricing import Pricing, pricing_for
from og_core.results import ChatResult
from og_core.service import ServiceInfo
from og_core.status import StatusReport, get_status, get_status_within
from og_core.usage import chat_cost_breakdown

MODEL_LIST_TTL_S = 60.0
PRICING_LIST_TIMEOUT_S = 3.0  # read before a page shows an estimate: a slow provider must not hold it up
Messages = Sequence[dict[str, Any]]


class Marketplace:
    """Market reads of one client. Reached through OgClient's methods of the same names."""

    def __init__(self, ctx: ClientContext) -> None:
        self._s = ctx
        self._model_lists: dict[str, tuple[float, ModelList]] = {}  # multi-model services' lists, by provider
        self._model_lists_lock = threading.Lock()

    @property
    def status_url(self) -> str | None:
        return self._s.profile.status_base_url

    def service(self, provider: str) -> ServiceInfo:
        return self._s.discovery.service(provider)

    def services(self, *, refresh: bool = False) -> list[ServiceInfo]:
        return self._s.discovery.services(refresh=refresh)

    def health(self, *, refresh: bool = False) -> StatusReport:
        """Health per (provider, model) from the status service, cached ≥ 60 s for the whole process.
        Never raises: a missing, down, slow or broken service gives a report whose `error` says health
        is unknown. Use `report.health_for(provider, model)`."""

        return get_status(self.status_url, refresh=refresh)

    def market(self, *, refresh: bool = False, models_timeout_s: float = 5.0,
               health_wait_s: float | None = None) -> MarketView:
        """Services and health read side by side, then grouped by model (`summaries`, most providers
        first, each with its best value). Multi-model services' /v1/models are fetched too (in
        parallel, each ≤ `models_timeout_s`), since their models and prices are only listed there.
        health_wait_s: wait at most this long for the status service (None: up to its 10 s limit);
        past it the last report, or "not known yet", while the fetch fills the cache for next time."""
        from concurrent.futures import ThreadPoolExecutor


        with ThreadPoolExecutor(max_workers=1) as pool:
            if health_wait_s is None:
                status_job = pool.submit(self.health, refresh=refresh)
            else:
                status_job = pool.submit(get_status_within, self.status_url, health_wait_s, refresh=refresh)
            services = self.services(refresh=refresh)
            status = status_job.result()
        multi = [s for s in services if (s.additional_info or {}).get("MultiModel") is True]

        def fetch(s: ServiceInfo) -> ModelList:
            return self._fetch_models(s, models_timeout_s)

        lists: dict[str, ModelList] = {}
        if multi:
            with ThreadPoolExecutor(max_workers=min(8, len(multi))) as pool:
                lists = dict(zip((s.provider for s in multi), pool.map(fetch, multi), strict=True))
        return MarketView(tuple(services), status, lists, tuple(summarize_models(services, status, lists)))

    def models(self, provider: str) -> ModelList:
        """The provider's `/v1/models` objects, parsed (≤ 10 s, ≤ 5 MB); a failure is `ModelList.error`."""

        return self._fetch_models(self.service(provider))

    def _fetch_models(self, s: ServiceInfo, timeout_s: float = MODELS_TIMEOUT_S) -> ModelList:
        return fetch_model_list(provider_base(s.url), self._s.http, self._s.url_guard,
                                input_price_wei=s.input_price_wei, output_price_wei=s.output_price_wei,
                                additional_info=s.additional_info, provider=s.provider, timeout_s=timeout_s)

    def pricing(self, provider: str, model: ModelInfo | str | None = None) -> Pricing:
        """How `provider` bills `model` (one of `models(provider)`, or a model id; default its on-chain
        model): tiers and cache billing from its additionalInfo first, then from its /v1/models, which
        is read for whatever additionalInfo leaves out (a provider may publish a tier only there); a
        multi-model service bills the model's own /v1/models price. Malformed parts are in `.notes`."""
        if isinstance(model, ModelInfo) and model.pricing is not None:
            return model.pricing
        s = self.service(provider)
        return self.listed_pricing(s, model.id if isinstance(model, ModelInfo) else model or s.model)

    def estimate_chat(self, provider: str, messages: Messages, max_tokens: int,
                      model: ModelInfo | str | None = None) -> CostEstimate:
        """The most a chat can cost before sending (prompt size estimated, `max_tokens` of answer),
        naming its price tier and warning when the prompt is in, or near, a dearer one."""

        return estimate_cost(self.pricing(provider, model), estimate_prompt_tokens(messages), max_tokens)

    def chat_cost(self, result: ChatResult) -> ChatCost:
        """`result.cost_wei` fee by fee: the tier, the cached and cache-written tokens, each fee."""

        service = self.service(result.provider)
        return chat_cost_breakdown(service, result.usage, self.listed_pricing(service, result.model))

    def listed_pricing(self, service: ServiceInfo, model: str) -> Pricing:
        """`model`'s pricing with what the provider's /v1/models adds to its additionalInfo (tiers or
        cache billing published only there; a multi-model service's per-model price). The list is kept
        MODEL_LIST_TTL_S and read only when additionalInfo leaves something out. When it cannot be read,
        or does not name the model, the additionalInfo pricing is used and a note says why."""
        info = service.additional_info or {}
        base = pricing_for(service.input_price_wei, service.output_price_wei, service.additional_info)
        if info.get("MultiModel") is not True and "tieredPricing" in info and "cacheTokenBilling" in info:
            return base  # additionalInfo wins for both: the list could add nothing
        now = time.monotonic()
        with self._model_lists_lock:
            hit = self._model_lists.get(service.provider)
        if hit is None or now - hit[0] > MODEL_LIST_TTL_S:
            hit = (now, self._fetch_models(service, PRICING_LIST_TIMEOUT_S))
            with self._model_lists_lock:
                self._model_lists[service.provider] = hit
        listed = hit[1]
        info_model = listed.get(model)
        if info_model is not None and info_model.pricing is not None:
            return info_model.pricing
        why = (f"its model list (/v1/models) could not be read ({listed.error})" if listed.error
               else f"its model list (/v1/models) does not list {model[:80]}")
        return replace(base, notes=(*base.notes, f"Priced from the service's on-chain entry only: {why}, so a "
                                                 "tier or cache billing published only there is not included."))

    def priced(self, result: ChatResult) -> ChatResult:
        """`result` billed at the pricing `listed_pricing` finds (its cost and its fee-by-fee billing)."""
        service = self.service(result.provider)
        bill = chat_cost_breakdown(service, result.usage, self.listed_pricing(service, result.model))
        return replace(result, cost_wei=bill.total_wei, billing=bill)

    def attest(self, provider: str, on_step: Callable[[Step], None] | None = None) -> AttestationLog:
        """The provider's TEE attestation as a step log, each report kept byte for byte for download
        (`log.downloads`). `on_step` receives each step as it happens. Never raises for what the
        provider sends; `log.passed` only when every check ran and passed."""

        return attest(self.service(provider), http=self._s.http, url_guard=self._s.url_guard, on_step=on_step)

