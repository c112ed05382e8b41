"""The local network's provider catalogue: who serves what, at which price, under which rules.

Prices are on-chain wei: per token for chatbot and speech-to-text, per image for image services. Each
provider has its own wallet (accounts.PROVIDER_WALLETS, in catalogue order;
accounts.LOCAL_LLM_WALLET for the optional local language model) and its own TEE signer key.

A market worth exploring: the same model from two or three providers at different prices and
qualities — one with tiers by prompt length, one with cache-token billing (and a fractional tier),
one without a TEE, one slow to answer, one that refuses every 5th request.

Tiers with a fractional multiplier go only into /v1/models, not into the on-chain additionalInfo:
0G's TS CLI 0.9.0 reads additionalInfo's multipliers as integers and fails on anything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .accounts import LOCAL_LLM_WALLET, PROVIDER_WALLETS, tee_key
from .broker.config import SPEECH_LIMIT_S, ProviderConfig
from .broker.model_card import ModelCard
from .broker.pricing import (
    CacheBilling,
    Multiplier,
    Tier,
    cache_additional_info,
    tiers_additional_info,
)
from .engines import llm

OG = 10**18
PER_1M_TOKENS = OG // 10**6  # wei per token when the price is "1 OG per 1M tokens"
CHAT_PARAMETERS = ("max_tokens", "max_completion_tokens", "temperature", "top_p", "seed", "stream",
                   "stream_options")
OWNER = "og-devnet"


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
    tiers: tuple[Tier, ...] = ()
    cache: CacheBilling | None = None
    card: ModelCard = field(default_factory=ModelCard)
    first_token_delay_s: float = 0.0
    fail_every: int = 0
    engine: str = ""  # ProviderConfig.engine
    context_length: int = 8192


def _card(description: str, parameters: tuple[str, ...], *, tee: bool, provider_name: str, country: str,
          max_completion: int | None = None, expires: str | None = None) -> ModelCard:
    return ModelCard(description=description, owned_by=OWNER, max_completion_tokens=max_completion,
                     supported_parameters=parameters, tee_type="TDX (simulated)" if tee else None,
                     provider_name=provider_name, provider_country=country, expiration_date=expires)


def _tier(bound: int, inp: tuple[int, int], out: tuple[int, int]) -> Tier:
    return Tier(bound, Multiplier(*inp), Multiplier(*out))


TEE_CHAT = "local/zg-chat-tee-1"
LITE_CHAT = "local/zg-chat-lite-1"

CATALOGUE: tuple[ProviderSpec, ...] = (
    ProviderSpec("chat-tee", "chatbot", TEE_CHAT, 50 * PER_1M_TOKENS // 100, 200 * PER_1M_TOKENS // 100, "TeeML",
                 "Offline chatbot (arithmetic, 0G knowledge, small talk) whose answers are TEE-signed",
                 answer_style="expert",
                 card=_card("Offline chatbot whose answers are TEE-signed; flat prices", CHAT_PARAMETERS, tee=True,
                            provider_name="Devnet TEE Lab", country="DE", max_completion=2048)),
    ProviderSpec("chat-lite", "chatbot", LITE_CHAT, 10 * PER_1M_TOKENS // 100, 40 * PER_1M_TOKENS // 100, "",
                 "Cheaper offline chatbot without TEE verification", answer_style="concise",
                 card=_card("Cheaper offline chatbot without TEE verification", CHAT_PARAMETERS, tee=False,
                            provider_name="Budget Bytes", country="US", max_completion=1024)),
    ProviderSpec("image", "text-to-image", "local/zg-paint-1", 0, OG // 100, "TeeML",
                 "Procedural text-to-image (colours and shapes from the prompt)",
                 card=_card("Procedural text-to-image (colours and shapes from the prompt)",
                            ("n", "size", "response_format", "seed"), tee=True, provider_name="Pixel Forge",
                            country="FR")),
    ProviderSpec("edit", "image-editing", "local/zg-edit-1", 0, 2 * OG // 100, "TeeML",
                 "Instruction-driven image editing (grayscale, blur, rotate, sepia, caption, ...)",
                 card=_card("Instruction-driven image editing (grayscale, blur, rotate, sepia, caption, ...)",
                            ("n", "size", "response_format"), tee=True, provider_name="Pixel Forge",
                            country="FR")),
    ProviderSpec("speech", "speech-to-text", "local/zg-listen-1", 0, 100 * PER_1M_TOKENS, "TeeML",
                 "Offline speech-to-text (pocketsphinx, English)",
                 card=_card("Offline speech-to-text (pocketsphinx, English)", ("language", "response_format"),
                            tee=True, provider_name="Quiet Room Audio", country="CA")),
    ProviderSpec("chat-tiered", "chatbot", TEE_CHAT, 30 * PER_1M_TOKENS // 100, 120 * PER_1M_TOKENS // 100,
                 "TeeML", "The TEE chatbot, cheapest for short prompts: longer ones cost 2x/3x and 4x/5x",
                 answer_style="thorough",
                 tiers=(_tier(1000, (1, 1), (1, 1)), _tier(4000, (2, 1), (3, 1)), _tier(0, (4, 1), (5, 1))),
                 card=_card("The TEE chatbot priced by prompt length: up to 1k tokens at the base price, "
                            "up to 4k at 2x input / 3x output, longer at 4x / 5x", CHAT_PARAMETERS, tee=True,
                            provider_name="Stepwise Compute", country="SG", max_completion=2048)),
    ProviderSpec("chat-cache", "chatbot", TEE_CHAT, 40 * PER_1M_TOKENS // 100, 160 * PER_1M_TOKENS // 100,
                 "TeeML", "The TEE chatbot with a prompt cache: cached tokens cost a tenth, written ones 5/4",
                 tiers=(_tier(2000, (1, 1), (1, 1)), _tier(0, (3, 2), (3, 2))),
                 cache=CacheBilling(10, Multiplier(5, 4)),
                 card=_card("The TEE chatbot with a prompt cache: a re-sent conversation reads its start from "
                            "the cache at a tenth of the input price; prompts over 2k tokens cost 1.5x",
                            CHAT_PARAMETERS, tee=True, provider_name="Recall Systems", country="JP",
                            max_completion=2048)),
    ProviderSpec("chat-slow", "chatbot", LITE_CHAT, 5 * PER_1M_TOKENS // 100, 20 * PER_1M_TOKENS // 100, "TeeML",
                 "The lite chatbot on a slow, cheap TEE machine (about 0.4 s to the first token)",
                 first_token_delay_s=0.4, answer_style="thorough",
                 card=_card("The lite chatbot on a slow, cheap TEE machine: about 0.4 s to the first token",
                            CHAT_PARAMETERS, tee=True, provider_name="Tortoise Cloud", country="BR",
                            max_completion=1024)),
    ProviderSpec("chat-flaky", "chatbot", LITE_CHAT, 8 * PER_1M_TOKENS // 100, 30 * PER_1M_TOKENS // 100, "",
                 "The lite chatbot on an unreliable host: every 5th request fails (503)",
                 fail_every=5, answer_style="concise",
                 card=_card("The lite chatbot on an unreliable host without a TEE: every 5th request fails",
                            CHAT_PARAMETERS, tee=False, provider_name="Shaky Hosting", country="NL",
                            max_completion=1024, expires="2027-12-31T23:59:59Z")),
)


def integer_tiers(tiers: tuple[Tier, ...]) -> bool:
    return all(t.input.den == 1 and t.output.den == 1 for t in tiers)
# The optional real language model (og_devnet/engines/llm.py), kept apart from CATALOGUE: it is there
# only when its extra is installed, and it has a wallet of its own (accounts.LOCAL_LLM_WALLET).
LOCAL_LLM = ProviderSpec("chat-llm", "chatbot", llm.MODEL_ID, 30 * PER_1M_TOKENS // 100,
                         120 * PER_1M_TOKENS // 100, "TeeML",
                         "SmolLM2-135M-Instruct on llama.cpp: a tiny real language model, fluent and often "
                         "wrong", engine="llm", context_length=llm.CONTEXT_LENGTH)


def catalogue(local_llm: bool = False) -> tuple[ProviderSpec, ...]:
    """The providers a network starts: CATALOGUE, plus the local language model when asked for."""
    return (*CATALOGUE, LOCAL_LLM) if local_llm else CATALOGUE


def wallet_for(spec: ProviderSpec, index: int) -> tuple[str, str]:
    """The provider wallet of the catalogue's `index`-th entry."""
    return LOCAL_LLM_WALLET if spec is LOCAL_LLM else PROVIDER_WALLETS[index]


def additional_info(spec: ProviderSpec) -> str:
    """The service's on-chain additionalInfo JSON, keys sorted as 0G's broker writes them. Tiers go in
    only when every multiplier is whole (see the module docstring); cache billing always."""
    info: dict = {"TargetSeparated": False, "Description": spec.description, "Simulated": True,
                  "Network": "og-devnet"}
    if spec.tiers and integer_tiers(spec.tiers):
        info["tieredPricing"] = tiers_additional_info(spec.tiers)
    if spec.cache is not None:
        info["cacheTokenBilling"] = cache_additional_info(spec.cache)
    return json.dumps(info, separators=(",", ":"), sort_keys=True)


def provider_configs(*, ports: list[int], settle_interval: float, limits: bool,
                     stream_pace: float = 0.0, speech_limit_s: float = SPEECH_LIMIT_S,
                     specs: tuple[ProviderSpec, ...] = CATALOGUE) -> list[ProviderConfig]:
    """One broker config per catalogue entry, on the given ports."""
    configs = []
    for i, (spec, port) in enumerate(zip(specs, ports, strict=False)):
        configs.append(ProviderConfig(
            name=spec.name, provider_key=wallet_for(spec, i)[1], tee_key=tee_key(spec.name),
            service_type=spec.service_type, model=spec.model, input_price=spec.input_price,
            output_price=spec.output_price, verifiability=spec.verifiability,
            rate_limit=20.0 if limits else 0.0, max_concurrency=16 if limits else 0,
            settle_interval=settle_interval, port=port, stream_pace=stream_pace, engine_limit_s=speech_limit_s,
            tiers=spec.tiers, cache=spec.cache, card=spec.card, first_token_delay_s=spec.first_token_delay_s,
            fail_every=spec.fail_every, answer_style=spec.answer_style, engine=spec.engine,
            context_length=spec.context_length))
    return configs
