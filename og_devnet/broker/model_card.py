"""The model object a broker lists at `GET /v1/models`, in the shape of 0G's broker (docs/protocol.md,
"Model objects"), and the expiry rule that goes with it: past `expiration_date` the model answers 410."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .pricing import cache_model_info, tiers_model_info

if TYPE_CHECKING:
    from .chainview import ServiceState
    from .config import ProviderConfig

# service type -> (modality, input modalities, output modalities)
MODALITIES = {
    "chatbot": ("text->text", ["text"], ["text"]),
    "text-to-image": ("text->image", ["text"], ["image"]),
    "image-editing": ("text+image->image", ["text", "image"], ["image"]),
    "speech-to-text": ("audio->text", ["audio"], ["text"]),
}


@dataclass(frozen=True)
class ModelCard:
    """What a provider says about its model beyond the chain: owner, limits, TEE, who runs it."""

    name: str | None = None
    description: str | None = None
    owned_by: str = ""
    max_completion_tokens: int | None = None
    supported_parameters: tuple[str, ...] = ()
    tee_type: str | None = None  # e.g. "TDX"; None for a provider without a TEE
    provider_name: str | None = None
    provider_country: str | None = None  # ISO 3166 alpha-2
    expiration_date: str | None = None  # RFC 3339

    def expired(self, now: dt.datetime | None = None) -> bool:
        if not self.expiration_date:
            return False
        when = dt.datetime.fromisoformat(self.expiration_date.replace("Z", "+00:00"))
        return (now or dt.datetime.now(dt.UTC)) >= when


def expired_message(cfg: ProviderConfig) -> str:
    return (f"model {cfg.model} has expired (expiration date {cfg.card.expiration_date}); "
            "this provider no longer serves it")


def _tee_verifier(additional_info: str) -> str | None:
    try:
        info = json.loads(additional_info)
    except ValueError:
        return None
    value = info.get("TEEVerifier") if isinstance(info, dict) else None
    return value if isinstance(value, str) and value else None


def model_object(cfg: ProviderConfig, service: ServiceState | None, requests_per_minute: int) -> dict[str, Any]:
    """The one model object of this provider; prices from the chain when it has been read (as the real
    broker's), else from the config. Fields without a value are left out, as the broker omits them."""
    card = cfg.card
    in_price = service.input_price if service else cfg.input_price
    out_price = service.output_price if service else cfg.output_price
    image = cfg.service_type in ("text-to-image", "image-editing")
    pricing: dict[str, Any] = ({"prompt": "0", "completion": "0", "image": str(out_price)} if image
                               else {"prompt": str(in_price), "completion": str(out_price)})
    if cfg.tiers:
        pricing["tiered_pricing"] = tiers_model_info(cfg.tiers)
    if cfg.cache is not None:
        pricing["cache_token_billing"] = cache_model_info(cfg.cache)
    modality, inputs, outputs = MODALITIES[cfg.service_type]
    limits: dict[str, int] = {"requests_per_minute": requests_per_minute}
    if cfg.service_type in ("chatbot", "speech-to-text"):
        limits["tokens_per_minute"] = 0  # not limited
    else:
        limits["images_per_minute"] = 0
    obj: dict[str, Any] = {
        "id": cfg.model, "object": "model", "created": service.updated_at if service else 0,
        "owned_by": card.owned_by, "name": card.name, "description": card.description,
        "type": cfg.service_type,
        "context_length": cfg.context_length if cfg.service_type == "chatbot" else None,
        "max_completion_tokens": card.max_completion_tokens,
        "architecture": {"modality": modality, "input_modalities": inputs, "output_modalities": outputs},
        "supported_parameters": list(card.supported_parameters) or None,
        "pricing": pricing,
        "verifiability": service.verifiability if service else cfg.verifiability,
        # the on-chain acknowledgement, and never for a provider that has no TEE to attest
        "tee_attested": bool(service and service.tee_acknowledged and cfg.verifiability),
        "tee_type": card.tee_type,
        "tee_verifier": _tee_verifier(service.additional_info) if service else None,
        "expiration_date": card.expiration_date,
        "provider_name": card.provider_name, "provider_country": card.provider_country,
        "rate_limits": limits,
    }
    return {k: v for k, v in obj.items() if v is not None}
