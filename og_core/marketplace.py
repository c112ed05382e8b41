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
from og_core.model_info import ModelInfo, ModelList, fetch_model_list
from og_core.pricing import Pricing, pricing_for
from og_core.results import ChatResult
from og_core.service import ServiceInfo
from og_core.status import StatusReport, get_status, get_status_within
from og_core.usage import chat_cost_breakdown

MODEL_LIST_TTL_S = 60.0
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
            return fetch_model_list(provider_base(s.url), self._s.http, self._s.url_guard,
                                    input_price_wei=s.input_price_wei, output_price_wei=s.output_price_wei,
                                    additional_info=s.additional_info, provider=s.provider, timeout_s=models_timeout_s)

        lists: dict[str, ModelList] = {}
        if multi:
            with ThreadPoolExecutor(max_workers=min(8, len(multi))) as pool:
                lists = dict(zip((s.provider for s in multi), pool.map(fetch, multi), strict=True))
        return MarketView(tuple(services), status, lists, tuple(summarize_models(services, status, lists)))

    def models(self, provider: str) -> ModelList:
        """The provider's `/v1/models` objects, parsed (≤ 10 s, ≤ 5 MB); a failure is `ModelList.error`."""

        s = self.service(provider)
        return fetch_model_list(provider_base(s.url), self._s.http, self._s.url_guard,
                                input_price_wei=s.input_price_wei, output_price_wei=s.output_price_wei,
                                additional_info=s.additional_info, provider=s.provider)

    def pricing(self, provider: str, model: ModelInfo | str | None = None) -> Pricing:
        """How `provider` bills: tiers and cache billing from its additionalInfo, else from `model`
        (one of `models(provider)`, or a model id). A multi-model service bills the model's own price
        from its /v1/models (default: its on-chain default model). Malformed parts are in `.notes`."""
        if isinstance(model, ModelInfo) and model.pricing is not None:
            return model.pricing
        s = self.service(provider)
        model_id = model.id if isinstance(model, ModelInfo) else model or s.model
        own = self.multi_model_pricing(s, model_id)
        return own if own is not None else pricing_for(s.input_price_wei, s.output_price_wei, s.additional_info)

    def estimate_chat(self, provider: str, messages: Messages, max_tokens: int,
                      model: ModelInfo | str | None = None) -> CostEstimate:
        """The most a chat can cost before sending (prompt size estimated, `max_tokens` of answer),
        naming its price tier and warning when the prompt is in, or near, a dearer one."""

        return estimate_cost(self.pricing(provider, model), estimate_prompt_tokens(messages), max_tokens)

    def chat_cost(self, result: ChatResult) -> ChatCost:
        """`result.cost_wei` fee by fee: the tier, the cached and cache-written tokens, each fee."""

        service = self.service(result.provider)
        return chat_cost_breakdown(service, result.usage, self.multi_model_pricing(service, result.model))

    def multi_model_pricing(self, service: ServiceInfo, model: str) -> Pricing | None:
        """A multi-model service bills each model at its own /v1/models price (its on-chain price is
        only a ceiling): that model's pricing, from a list kept MODEL_LIST_TTL_S; None for other services
        (and when the list does not name the model: then the ceiling is what is shown)."""
        if (service.additional_info or {}).get("MultiModel") is not True:
            return None
        now = time.monotonic()
        with self._model_lists_lock:
            hit = self._model_lists.get(service.provider)
        if hit is None or now - hit[0] > MODEL_LIST_TTL_S:
            hit = (now, self.models(service.provider))
            with self._model_lists_lock:
                self._model_lists[service.provider] = hit
        info = hit[1].get(model)
        return info.pricing if info is not None else None

    def priced(self, result: ChatResult) -> ChatResult:
        """`result` with a multi-model service's cost at the model's own price."""
        service = self.service(result.provider)
        pricing = self.multi_model_pricing(service, result.model)
        if pricing is None:
            return result
        return replace(result, cost_wei=chat_cost_breakdown(service, result.usage, pricing).total_wei)

    def attest(self, provider: str, on_step: Callable[[Step], None] | None = None) -> AttestationLog:
        """The provider's TEE attestation as a step log, each report kept byte for byte for download
        (`log.downloads`). `on_step` receives each step as it happens. Never raises for what the
        provider sends; `log.passed` only when every check ran and passed."""

        return attest(self.service(provider), http=self._s.http, url_guard=self._s.url_guard, on_step=on_step)

