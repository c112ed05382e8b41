"""A provider's service as registered on-chain (`ServiceInfo`) and its health probe (`ProviderHealth`).

Plain dataclasses: prices in wei as on-chain, in OG per `price_unit` through properties.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from og_core.amounts import wei_to_og

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


@dataclass(frozen=True)
class ProviderHealth:
    """Result of a short HTTP probe of one provider (`GET /v1/models`)."""

    reachable: bool
    latency_ms: float | None = None
    models: tuple[str, ...] = ()
    error: str | None = None  # plain sentence when not reachable
    checked_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class ServiceInfo:
    """One provider's service as registered on-chain, parsed and normalised.

    Prices: `price_unit` says what one unit is — "1M tokens" (chatbot, speech-to-text) or
    "image" (text-to-image, image-editing). `input_price_og` / `output_price_og` are OG per unit.
    """

    provider: str  # checksummed address
    service_type: str  # chatbot | text-to-image | image-editing | speech-to-text | …
    url: str
    model: str
    verifiability: str  # TeeML | OpML | ZKML | "" …
    input_price_wei: int  # per token (or per image for image services), as on-chain
    output_price_wei: int
    updated_at: int  # unix seconds
    tee_signer: str  # on-chain teeSignerAddress
    tee_signer_acknowledged: bool  # by the contract owner
    additional_info_raw: str
    additional_info: dict[str, Any] | None  # None when missing or not valid JSON
    additional_info_error: str | None = None  # why it could not be parsed
    health: ProviderHealth | None = None
    url_error: str | None = None  # why `url` cannot be used (then every request to it is refused in these words)

    @property
    def price_unit(self) -> str:
        return "image" if self.service_type in ("text-to-image", "image-editing") else "1M tokens"

    @property
    def input_price_og(self) -> Decimal:
        """OG per `price_unit` for input (prompt) tokens; 0 for image services."""
        if self.price_unit == "image":
            return wei_to_og(self.input_price_wei)
        return wei_to_og(self.input_price_wei * 1_000_000)

    @property
    def output_price_og(self) -> Decimal:
        """OG per `price_unit` for output (completion tokens, images)."""
        if self.price_unit == "image":
            return wei_to_og(self.output_price_wei)
        return wei_to_og(self.output_price_wei * 1_000_000)

    @property
    def target_separated(self) -> bool:
        """additionalInfo's TargetSeparated is JSON true (provider-written: the string "false" is not)."""
        return (self.additional_info or {}).get("TargetSeparated") is True

    @property
    def centralized(self) -> bool:
        return (self.additional_info or {}).get("ProviderType") == "centralized"

    @property
    def _uses_target(self) -> bool:
        return self.target_separated and not self.centralized

    @property
    def signing_address_error(self) -> str | None:
        """Why the signer of answers cannot be known — the model runs in a separate TEE but
        TargetTeeAddress is missing or not an address — else None."""
        if not self._uses_target:
            return None
        target = (self.additional_info or {}).get("TargetTeeAddress")
        if isinstance(target, str) and _ADDRESS.fullmatch(target):
            return None
        what = "gives no TargetTeeAddress" if target in (None, "") else (
            f"its TargetTeeAddress ({json.dumps(target)[:60]}) is not an address")
        return f"The service's additionalInfo says its model runs in a separate TEE, but {what}."

    @property
    def signing_address(self) -> str:
        """Address responses must be signed by: TargetTeeAddress when the model runs in a
        separate TEE (and the provider is not centralized), else the on-chain teeSignerAddress;
        "" when that TargetTeeAddress is unusable (see `signing_address_error`)."""
        if not self._uses_target:
            return self.tee_signer
        return "" if self.signing_address_error else str(self.additional_info["TargetTeeAddress"])  # type: ignore[index]

    @property
    def signing_address_source(self) -> str:
        """Where `signing_address` came from, in words for the user."""
        if not self._uses_target:
            return "on-chain teeSignerAddress"
        if self.signing_address_error:
            return "TargetTeeAddress in the service's additionalInfo, which is missing or not a valid address"
        return "TargetTeeAddress in the service's additionalInfo (model runs in a separate TEE)"

    @property
    def verifiable(self) -> bool:
        """TEE/OP/ZK verifiability, signer acknowledged by the owner, additionalInfo valid JSON."""
        return (
            self.verifiability.lower() in ("teeml", "opml", "zkml")
            and self.tee_signer_acknowledged
            and self.additional_info is not None
            and self.signing_address_error is None
        )
