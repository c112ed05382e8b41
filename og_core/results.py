"""What a paid request to a provider returns (chat, images, transcript) and what checking its TEE
signature or attestation says. Costs in wei, in OG through `cost_og`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

from og_core.amounts import OgAmount
from og_core.billing import ChatCost


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0  # all of them, cached and cache-written ones included
    completion_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0  # prompt_tokens_details.cached_tokens: read from the provider's cache
    cache_write_tokens: int = 0  # written to its cache (5-minute TTL)
    cache_write_1h_tokens: int = 0  # written to its cache (1-hour TTL)


@dataclass(frozen=True)
class ChatResult:
    """A finished (or cut) chat completion."""

    provider: str
    model: str
    text: str
    chat_id: str | None  # ZG-Res-Key header, else completion id (first SSE chunk's id)
    chat_id_source: Literal["ZG-Res-Key", "id", "none"]
    usage: Usage
    cost_wei: int  # from on-chain prices and the usage reported
    latency_ms: float  # request start → last byte
    ttft_ms: float | None  # request start → first content token (streaming only)
    finish_reason: str | None = None
    cut: bool = False  # the stream ended early (connection dropped / stopped)
    cut_reason: str | None = None
    stopped: bool = False  # the user pressed stop
    request_body: bytes = b""  # exactly what was sent
    response_body: bytes = b""  # exactly what was received (whole SSE text for a stream)
    billing: ChatCost | None = None  # cost_wei fee by fee: tier, cached tokens, the prices it came from

    cost_og = OgAmount("cost_wei")


@dataclass(frozen=True)
class ImageResult:
    provider: str
    model: str
    images: tuple[bytes, ...]  # decoded image bytes (PNG from the local network)
    chat_id: str | None
    cost_wei: int
    latency_ms: float
    request_body: bytes = b""
    response_body: bytes = b""

    cost_og = OgAmount("cost_wei")


@dataclass(frozen=True)
class TranscriptResult:
    provider: str
    model: str
    text: str
    chat_id: str | None
    usage: Usage
    cost_wei: int
    latency_ms: float
    request_body: bytes = b""
    response_body: bytes = b""

    cost_og = OgAmount("cost_wei")


class VerificationStatus(enum.StrEnum):
    VERIFIED = "verified"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class VerificationResult:
    """Outcome of checking a provider's TEE signature on one response. Never a bare bool."""

    status: VerificationStatus
    reason: str  # plain sentence
    chat_id: str | None
    provider: str
    expected_signer: str | None = None
    signer_source: str | None = None  # which address was used and why
    recovered_signer: str | None = None
    signed_text: str | None = None
    response_hash_matches: bool | None = None  # None: no response bytes to compare

    @property
    def ok(self) -> bool:
        return self.status is VerificationStatus.VERIFIED


@dataclass(frozen=True)
class AttestationResult:
    """Provider attestation: the `/v1/quote` report_data signer vs the on-chain signer."""

    status: VerificationStatus
    reason: str
    provider: str
    onchain_signer: str | None = None
    report_signer: str | None = None
