"""The marketplace by model: who offers each model, at what price, how healthy, and the best value.

Pure: it combines what discovery, the status service and the providers' model lists already returned.
Grouping follows 0G's own web UI — by the exact model id, most providers first — with two corrections:
prices are exact neuron (not floats), and a multi-model service offers every model its /v1/models lists,
each at its own price.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from og_core.model_info import ModelInfo, ModelList, parse_model_list
from og_core.pricing import (
    Pricing,
    pricing_for,
)
from og_core.service import ServiceInfo
from og_core.status import ModelHealth, StatusReport, unknown_health

IMAGE_TYPES = ("text-to-image", "image-editing")


@dataclass(frozen=True)
class Offer:
    """One provider's offer of one model."""

    service: ServiceInfo
    model: str
    pricing: Pricing
    health: ModelHealth
    info: ModelInfo | None = None  # the provider's /v1/models object, when fetched

    @property
    def provider(self) -> str:
        return self.service.provider

    @property
    def verified(self) -> bool:
        """A TEE service whose signer the network owner acknowledged, so its answers can be verified.
        0G's UI counts the acknowledgement alone, which a provider without any TEE can have too."""
        return self.service.verifiable

    @property
    def price_wei(self) -> int:
        """What "best value" compares: per image for image services, else input + output per token
        at the lowest tier (0G's UI adds the two prices the same way)."""
        if self.service.service_type in IMAGE_TYPES:
            return self.pricing.output_price_wei
        return self.pricing.input_price_wei + self.pricing.output_price_wei


@dataclass(frozen=True)
class ModelSummary:
    """Every offer of one model id."""

    model: str
    service_type: str
    offers: tuple[Offer, ...]
    best_value: str | None  # provider address of the cheapest offer (first one on a tie), None if none

    @property
    def provider_count(self) -> int:
        return len(self.offers)

    @property
    def verified_count(self) -> int:
        return sum(o.verified for o in self.offers)

    @property
    def healthy_count(self) -> int:
        return sum(o.health.status == "healthy" for o in self.offers)

    @property
    def tiered(self) -> bool:
        return any(o.pricing.tiered for o in self.offers)

    def price_range_wei(self) -> tuple[int, int] | None:
        """(min, max) of the headline price: per image for image services, else the base input price."""
        prices = [o.pricing.output_price_wei if self.service_type in IMAGE_TYPES else o.pricing.input_price_wei
                  for o in self.offers]
        return (min(prices), max(prices)) if prices else None

    def offer(self, provider: str) -> Offer | None:
        return next((o for o in self.offers if o.provider.lower() == provider.lower()), None)


def best_value(offers: Sequence[Offer]) -> Offer | None:
    """The cheapest offer (strictly: the first of equals in the order given), like 0G's badge."""
    best: Offer | None = None
    for offer in offers:
        if best is None or offer.price_wei < best.price_wei:
            best = offer
    return best


def offers_of(service: ServiceInfo, status: StatusReport | None = None,
              models: ModelList | None = None) -> list[Offer]:
    """One service's offers: its on-chain model, or — multi-model — every model its list names. The
    list is `models`, else the objects the status service relays for this provider."""
    info = service.additional_info if service.additional_info is not None else {}
    multi = info.get("MultiModel") is True
    if models is None and status is not None and status.model_objects(service.provider):
        # the status service relays every provider's /v1/models objects: no need to ask the provider
        models = parse_model_list({"data": list(status.model_objects(service.provider))},
                                  input_price_wei=service.input_price_wei, output_price_wei=service.output_price_wei,
                                  additional_info=info, provider=service.provider)
    listed = models.models if models is not None else ()
    count = len(listed) if multi and listed else 1

    def health(model_id: str, canonical: str | None) -> ModelHealth:
        if status is None:
            return unknown_health(service.provider, model_id)
        return status.health_for(service.provider, model_id, canonical, model_count=count)

    if multi and listed:
        return [Offer(service, m.id, m.pricing or pricing_for(service.input_price_wei, service.output_price_wei, info),
                      health(m.id, m.canonical_id), m) for m in listed]
    own = models.get(service.model) if models is not None else None
    pricing = own.pricing if own is not None and own.pricing is not None else pricing_for(
        service.input_price_wei, service.output_price_wei, info)
    return [Offer(service, service.model, pricing, health(service.model, own.canonical_id if own else None), own)]


def summarize_models(services: Sequence[ServiceInfo], status: StatusReport | None = None,
                     model_lists: Mapping[str, ModelList] | None = None) -> list[ModelSummary]:
    """Group every offer by exact model id, most providers first (ties keep first-seen order), each
    with its best value. `model_lists` maps provider address → its /v1/models (optional)."""
    lists = {k.lower(): v for k, v in (model_lists or {}).items()}
    groups: dict[str, list[Offer]] = {}
    for service in services:
        for offer in offers_of(service, status, lists.get(service.provider.lower())):
            groups.setdefault(offer.model, []).append(offer)
    summaries = []
    for model, offers in groups.items():
        best = best_value(offers)
        summaries.append(ModelSummary(model, offers[0].service.service_type or "chatbot", tuple(offers),
                                      best.provider if best is not None else None))
    return sorted(summaries, key=lambda s: -s.provider_count)


@dataclass(frozen=True)
class MarketView:
    """Everything a Models view needs, read in one go (see `OgClient.market`)."""

    services: tuple[ServiceInfo, ...]
    status: StatusReport
    model_lists: Mapping[str, ModelList]  # provider → its /v1/models (multi-model services only)
    summaries: tuple[ModelSummary, ...]

    def summary(self, model: str) -> ModelSummary | None:
        return next((s for s in self.summaries if s.model == model), None)
