"""The local network's provider catalogue: who serves what, at which price.

Prices are on-chain wei: per token for chatbot and speech-to-text, per image for image
services. Each provider has its own wallet (hardhat #15–#19) and its own TEE signer key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .accounts import PROVIDER_WALLETS, tee_key
from .broker.config import SPEECH_LIMIT_S, ProviderConfig

OG = 10**18
PER_1M_TOKENS = OG // 10**6  # wei per token when the price is "1 OG per 1M tokens"


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    service_type: str
    model: str
    input_price: int
    output_price: int
    verifiability: str
    description: str
    answer_style: str = "plain"  # chatbots: how it answers (og_devnet/engines/styles.py)


CATALOGUE: tuple[ProviderSpec, ...] = (
    ProviderSpec("chat-tee", "chatbot", "local/zg-chat-tee-1", 50 * PER_1M_TOKENS // 100,
                 200 * PER_1M_TOKENS // 100, "TeeML",
                 "Offline chatbot (arithmetic, 0G knowledge, small talk) whose answers are TEE-signed",
                 answer_style="expert"),
    ProviderSpec("chat-lite", "chatbot", "local/zg-chat-lite-1", 10 * PER_1M_TOKENS // 100,
                 40 * PER_1M_TOKENS // 100, "",
                 "Cheaper offline chatbot without TEE verification", answer_style="concise"),
    ProviderSpec("image", "text-to-image", "local/zg-paint-1", 0, OG // 100, "TeeML",
                 "Procedural text-to-image (colours and shapes from the prompt)"),
    ProviderSpec("edit", "image-editing", "local/zg-edit-1", 0, 2 * OG // 100, "TeeML",
                 "Instruction-driven image editing (grayscale, blur, rotate, sepia, caption, ...)"),
    ProviderSpec("speech", "speech-to-text", "local/zg-listen-1", 0, 100 * PER_1M_TOKENS, "TeeML",
                 "Offline speech-to-text (pocketsphinx, English)"),
)


def additional_info(spec: ProviderSpec) -> str:
    """The service's on-chain additionalInfo JSON (same keys the real providers use)."""
    return json.dumps({"TargetSeparated": False, "Description": spec.description,
                       "Simulated": True, "Network": "og-devnet"}, separators=(",", ":"))


def provider_configs(*, ports: list[int], settle_interval: float, limits: bool,
                     stream_pace: float = 0.0, speech_limit_s: float = SPEECH_LIMIT_S) -> list[ProviderConfig]:
    """One broker config per catalogue entry, on the given ports."""
    configs = []
    for spec, (_, wallet_key), port in zip(CATALOGUE, PROVIDER_WALLETS, ports, strict=False):
        configs.append(ProviderConfig(
            name=spec.name, provider_key=wallet_key, tee_key=tee_key(spec.name),
            service_type=spec.service_type, model=spec.model, input_price=spec.input_price,
            output_price=spec.output_price, verifiability=spec.verifiability,
            rate_limit=20.0 if limits else 0.0, max_concurrency=16 if limits else 0,
            settle_interval=settle_interval, port=port, stream_pace=stream_pace, engine_limit_s=speech_limit_s,
            answer_style=spec.answer_style))
    return configs
