"""Static configuration of one simulated provider broker."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from eth_account import Account

from .model_card import ModelCard
from .pricing import CacheBilling, Tier, check_tiers

SPEECH_LIMIT_S = 100.0
SERVICE_TYPES = ("chatbot", "text-to-image", "image-editing", "speech-to-text")

# Endpoint (under /v1/proxy) that each service type answers; everything else is refused.
ENDPOINT_FOR_TYPE = {
    "chatbot": "/chat/completions",
    "text-to-image": "/images/generations",
    "image-editing": "/images/edits",
    "speech-to-text": "/audio/transcriptions",
}


@dataclass(frozen=True)
class ProviderConfig:
    name: str
    provider_key: str  # the provider wallet (pays gas for settlement)
    tee_key: str  # the TEE signer key (signs answers and settlements)
    service_type: str
    model: str
    input_price: int  # wei per prompt token
    output_price: int  # wei per completion token / per image / per transcript token
    verifiability: str = "TeeML"
    rate_limit: float = 0.0  # requests per second per user; 0 = off
    max_concurrency: int = 0  # in-flight requests; 0 = off
    settle_interval: float = 60.0  # seconds between automatic settlements; 0 = manual only
    stream_pace: float = 0.0  # seconds between streamed chat pieces; 0 = as fast as the engine goes
    port: int = 0
    context_length: int = 8192
    engine: str = ""  # "" = the service type's own engine; "llm" = the local language model (chatbot)
    generation_queue: int = 8  # requests that may wait for a model that answers one at a time
    # Longest a speech-to-text request may keep the engine working; past it the work is stopped and
    # the client gets a 504. It must stay under the client's wait: og_core waits 120 s in all.
    engine_limit_s: float = SPEECH_LIMIT_S
    # How a chatbot answers (og_devnet/engines/styles.py): plain, concise, thorough or expert (knows 0G well).
    answer_style: str = "plain"
    tiers: tuple[Tier, ...] = ()  # price tiers by prompt length (chat only)
    cache: CacheBilling | None = None  # cache-token billing (chat only)
    card: ModelCard = field(default_factory=ModelCard)  # what /v1/models says about the model
    first_token_delay_s: float = 0.0  # a slow provider: this long before the first piece of an answer
    fail_every: int = 0  # a flaky provider: every n-th billed request is refused with 503; 0 = never

    def __post_init__(self) -> None:
        check_tiers(self.tiers)
        if (self.tiers or self.cache) and self.service_type != "chatbot":
            raise ValueError("tiers and cache billing are for chatbot services")
        if self.service_type not in SERVICE_TYPES:
            raise ValueError(f"unknown service type {self.service_type!r}")
        if not self.model.startswith("local/"):
            raise ValueError("devnet models must start with 'local/'")

    @cached_property
    def provider_address(self) -> str:
        return Account.from_key(self.provider_key).address

    @cached_property
    def tee_address(self) -> str:
        return Account.from_key(self.tee_key).address

    @property
    def endpoint(self) -> str:
        return ENDPOINT_FOR_TYPE[self.service_type]
