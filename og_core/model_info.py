"""Model objects from a provider's `GET /v1/models` (or the status service's `/models`), parsed tolerantly.

Every field is optional and provider-written: a field of the wrong type is left out with a note, an object
that is not one (or has no id) is skipped with a note — never an exception (docs/protocol.md, "model
objects"). Prices go through og_core.pricing, additionalInfo first.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from og_core.display import format_utc, parse_utc
from og_core.errors import OgError
from og_core.http_get import bounded_get, failure_words
from og_core.pricing import (
    Pricing,
    parse_wei,
    pricing_for,
)
from og_core.provider_errors import provider_error
from og_core.safety import UrlGuard

MODELS_TIMEOUT_S = 10.0
MAX_MODELS_BYTES = 5 * 1024 * 1024  # as 0G's newer SDK caps a provider's model list
PROVIDER_TYPES = ("decentralized", "centralized", "standard")
IMAGE_TYPES = ("text-to-image", "image-editing")


@dataclass(frozen=True)
class RateLimits:
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None  # 0 or None: no limit
    images_per_minute: int | None = None

    def describe(self) -> str:
        parts = [f"{v:,} {unit}/min" for v, unit in ((self.requests_per_minute, "requests"),
                                                     (self.tokens_per_minute, "tokens"),
                                                     (self.images_per_minute, "images")) if v]
        return ", ".join(parts) or "no limits published"


@dataclass(frozen=True)
class ModelInfo:
    """One model as its provider describes it."""

    id: str
    provider: str = ""  # set by the status service's /models, else the service's provider
    canonical_id: str | None = None
    owned_by: str = ""
    name: str | None = None
    description: str | None = None
    service_type: str = ""
    created: int | None = None  # unix seconds
    context_length: int | None = None  # tokens
    max_completion_tokens: int | None = None
    modality: str | None = None  # "text->text"
    tokenizer: str | None = None
    supported_parameters: tuple[str, ...] = ()
    supported_formats: tuple[str, ...] = ()  # () means every surface is accepted
    default_parameters: Mapping[str, Any] = field(default_factory=dict)
    pricing: Pricing | None = None  # None when the object had no usable prompt/completion prices
    image_price_wei: int | None = None
    verifiability: str = ""
    tee_attested: bool | None = None
    tee_type: str | None = None
    tee_verifier: str | None = None
    expiration_date: str | None = None  # RFC3339, as sent
    expires_at: dt.datetime | None = None  # parsed, UTC
    provider_type: str = "decentralized"  # decentralized | centralized | standard
    provider_identity: str | None = None  # centralized only, e.g. "openai"
    provider_name: str | None = None
    provider_country: str | None = None  # ISO alpha-2
    serving_domain: str | None = None  # centralized only; a hint, not verified
    rate_limits: RateLimits = field(default_factory=RateLimits)
    multi_model: bool = False  # the service's additionalInfo MultiModel
    notes: tuple[str, ...] = ()

    def expired(self, now: dt.datetime | None = None) -> bool:
        if self.expires_at is None:
            return False
        return (now or dt.datetime.now(dt.UTC)) >= self.expires_at

    def expiry_note(self, now: dt.datetime | None = None) -> str | None:
        """"This model expired on 2026-01-31 12:00 UTC." / "This model expires on …" / None."""
        if self.expires_at is None:
            return None
        when = format_utc(self.expires_at)
        return f"This model expired on {when}." if self.expired(now) else f"This model expires on {when}."

    def rows(self) -> list[tuple[str, str]]:
        """What a details panel shows, as (label, value) pairs with units; fields not published are left out."""
        rows: list[tuple[str, str]] = []

        def add(label: str, value: object, unit: str = "") -> None:
            if value not in (None, "", ()):
                rows.append((label, f"{value:,} {unit}".strip() if isinstance(value, int) else f"{value}"))

        add("Name", self.name)
        add("Description", self.description)
        add("Owned by", self.owned_by)
        add("Type", self.service_type)
        add("Context length", self.context_length, "tokens")
        add("Max completion tokens", self.max_completion_tokens, "tokens")
        add("Modality", self.modality)
        add("Tokenizer", self.tokenizer)
        add("Supported parameters", ", ".join(self.supported_parameters))
        add("Formats", ", ".join(self.supported_formats))
        add("Rate limits", self.rate_limits.describe() if self.rate_limits != RateLimits() else None)
        add("TEE type", self.tee_type)
        add("TEE verifier", self.tee_verifier)
        add("Provider type", self.provider_type)
        add("Provider identity", self.provider_identity)
        add("Provider name", self.provider_name)
        add("Provider country", self.provider_country)
        add("Serving domain (not verified)", self.serving_domain)
        add("Expiry", self.expiry_note())
        return rows

    @property
    def verifiable_type(self) -> bool:
        """A 'standard' provider is a plain forwarder: nothing is signed, there is nothing to verify."""
        return self.provider_type != "standard"


@dataclass(frozen=True)
class ModelList:
    models: tuple[ModelInfo, ...] = ()
    notes: tuple[str, ...] = ()
    error: str | None = None  # the list could not be read at all (a sentence)

    def get(self, model_id: str) -> ModelInfo | None:
        return next((m for m in self.models if m.id == model_id), None)


# --------------------------------------------------------------------------- parsing


def _text(obj: Mapping[str, Any], key: str, notes: list[str], what: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        notes.append(f"{what}: {key} is not text; it was left out.")
        return None
    return value


def _positive_int(obj: Mapping[str, Any], key: str, notes: list[str], what: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        notes.append(f"{what}: {key} ({json.dumps(value)[:30]}) is not a whole number; it was left out.")
        return None
    return value


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def parse_model(obj: Any, *, input_price_wei: int = 0, output_price_wei: int = 0,
                additional_info: Mapping[str, Any] | None = None,
                provider: str = "") -> tuple[ModelInfo | None, tuple[str, ...]]:
    """One /v1/models object → (ModelInfo, notes), or (None, notes) when it is not a model at all.
    The on-chain prices and additionalInfo are the service's (tiers and cache there win)."""
    if not isinstance(obj, Mapping):
        return None, (f"A model entry is {json.dumps(obj)[:40] if _jsonable(obj) else type(obj).__name__}, "
                      "not an object; it was skipped.",)
    model_id = obj.get("id")
    if not isinstance(model_id, str) or not model_id:
        return None, ("A model entry has no id; it was skipped.",)
    what = f"Model {model_id[:80]}"
    notes: list[str] = []
    info = additional_info if isinstance(additional_info, Mapping) else {}
    multi = info.get("MultiModel") is True

    arch = _mapping(obj.get("architecture"))
    raw_pricing = obj.get("pricing")
    pricing = None
    image_price = None
    if isinstance(raw_pricing, Mapping):
        # a single-model service bills its on-chain prices; a multi-model one the model's own (pricing_for)
        pricing = pricing_for(input_price_wei, output_price_wei, info, raw_pricing)
        image_price = parse_wei(raw_pricing.get("image"))
        # an image service lists its on-chain output price as `image`, with prompt and completion "0"
        listed: tuple[int | None, ...]
        on_chain: tuple[int, ...]
        if obj.get("type") in IMAGE_TYPES:
            listed, on_chain = (image_price,), (output_price_wei,)
        else:
            listed = (parse_wei(raw_pricing.get("prompt")), parse_wei(raw_pricing.get("completion")))
            on_chain = (input_price_wei, output_price_wei)
        if not multi and None not in listed and any(on_chain) and listed != on_chain:
            notes.append(f"{what}: its listed prices differ from the on-chain ones; the on-chain prices "
                         "are what is billed.")
        notes += list(pricing.notes)
    elif raw_pricing is not None:
        notes.append(f"{what}: its pricing is not an object; it was left out.")
    if pricing is None and not multi:
        pricing = pricing_for(input_price_wei, output_price_wei, info)

    expiration = _text(obj, "expiration_date", notes, what)
    expires_at = parse_utc(expiration) if expiration else None
    if expiration and expires_at is None:
        notes.append(f"{what}: its expiration date ({expiration[:40]}) is not a date.")

    provider_type = _text(obj, "provider_type", notes, what) or info.get("ProviderType") or "decentralized"
    if provider_type not in PROVIDER_TYPES:
        notes.append(f"{what}: provider type {json.dumps(provider_type)[:40]} is unknown; treated as decentralized.")
        provider_type = "decentralized"

    limits_raw = _mapping(obj.get("rate_limits"))
    limits = RateLimits(*(_positive_int(limits_raw, k, notes, what) for k in (
        "requests_per_minute", "tokens_per_minute", "images_per_minute")))
    country = _text(obj, "provider_country", notes, what)
    attested = obj.get("tee_attested")
    created = _positive_int(obj, "created", notes, what)
    defaults = obj.get("default_parameters")
    model = ModelInfo(
        id=model_id,
        provider=obj["provider"] if isinstance(obj.get("provider"), str) else provider,
        canonical_id=_text(obj, "canonical_id", notes, what),
        owned_by=_text(obj, "owned_by", notes, what) or "",
        name=_text(obj, "name", notes, what),
        description=_text(obj, "description", notes, what),
        service_type=_text(obj, "type", notes, what) or "",
        created=created,
        context_length=_positive_int(obj, "context_length", notes, what),
        max_completion_tokens=_positive_int(obj, "max_completion_tokens", notes, what),
        modality=arch.get("modality") if isinstance(arch.get("modality"), str) else None,
        tokenizer=arch.get("tokenizer") if isinstance(arch.get("tokenizer"), str) else None,
        supported_parameters=_strings(obj.get("supported_parameters")),
        supported_formats=_strings(obj.get("supported_formats")),
        default_parameters=dict(defaults) if isinstance(defaults, Mapping) else {},
        pricing=pricing,
        image_price_wei=image_price,
        verifiability=_text(obj, "verifiability", notes, what) or "",
        tee_attested=attested if isinstance(attested, bool) else None,
        tee_type=_text(obj, "tee_type", notes, what),
        tee_verifier=_text(obj, "tee_verifier", notes, what),
        expiration_date=expiration,
        expires_at=expires_at,
        provider_type=str(provider_type),
        provider_identity=_text(obj, "provider_identity", notes, what),
        provider_name=_text(obj, "provider_name", notes, what),
        provider_country=country.upper() if country else None,
        serving_domain=_text(obj, "serving_domain", notes, what),
        rate_limits=limits,
        multi_model=multi,
        notes=tuple(notes),
    )
    return model, tuple(notes)


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def parse_model_list(data: Any, *, input_price_wei: int = 0, output_price_wei: int = 0,
                     additional_info: Mapping[str, Any] | None = None, provider: str = "") -> ModelList:
    """A whole `/v1/models` answer (`{"object": "list", "data": [...]}`) → ModelList. The wildcard `*`
    entry is never a model one can ask for, so it is skipped."""
    if not isinstance(data, Mapping) or not isinstance(data.get("data"), list):
        return ModelList(error="The provider's model list has an unexpected format.")
    models: list[ModelInfo] = []
    notes: list[str] = []
    for obj in data["data"]:
        if isinstance(obj, Mapping) and obj.get("id") == "*":
            continue
        model, more = parse_model(obj, input_price_wei=input_price_wei, output_price_wei=output_price_wei,
                                  additional_info=additional_info, provider=provider)
        notes += more
        if model is not None:
            models.append(model)
    return ModelList(tuple(models), tuple(notes[:50]))


def fetch_model_list(url: str, http: httpx.Client, guard: UrlGuard, *, input_price_wei: int = 0,
                     output_price_wei: int = 0, additional_info: Mapping[str, Any] | None = None,
                     provider: str = "", timeout_s: float = MODELS_TIMEOUT_S) -> ModelList:
    """GET `{url}/v1/models` (url: the provider's base URL), ≤ timeout_s and 5 MB; failures are a
    ModelList with `error` set, never an exception."""
    target = url.rstrip("/") + "/v1/models"
    try:
        status, body = bounded_get(http, target, timeout_s=timeout_s, cap=MAX_MODELS_BYTES, guard=guard)
    except (OgError, httpx.HTTPError) as exc:
        return ModelList(error=failure_words(exc, large="The provider's model list is unreasonably large.",
                                             late=f"The provider did not send its model list within {timeout_s:g} s.",
                                             unreachable="The provider cannot be reached ({})."))
    if status != 200:
        return ModelList(error=provider_error(status, body, provider=provider).message)
    try:
        data = json.loads(body)
    except ValueError:
        return ModelList(error="The provider's model list is not valid JSON.")
    return parse_model_list(data, input_price_wei=input_price_wei, output_price_wei=output_price_wei,
                            additional_info=additional_info, provider=provider)
