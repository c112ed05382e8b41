"""What a provider's answer says it used, and what that costs under the service's pricing."""

from __future__ import annotations

from typing import Any

from og_core.billing import (
    ChatCost,
    UsageCounts,
)
from og_core.billing import (
    chat_cost as price_chat,
)
from og_core.pricing import (
    Pricing,
    pricing_for,
)
from og_core.results import Usage
from og_core.service import ServiceInfo


def usage_from(data: Any) -> Usage:
    """The `usage` object of an answer (OpenAI or Anthropic field names); anything else is no usage."""
    if not isinstance(data, dict):
        return Usage()
    prompt = int(data.get("prompt_tokens", data.get("input_tokens", 0)) or 0)
    completion = int(data.get("completion_tokens", data.get("output_tokens", 0)) or 0)
    total = int(data.get("total_tokens", prompt + completion) or 0)
    cache = UsageCounts.from_usage(data)
    return Usage(prompt, completion, total, cache.cached_tokens, cache.cache_write_tokens, cache.cache_write_1h_tokens)


def chat_cost_breakdown(service: ServiceInfo, usage: Usage, pricing: Pricing | None = None) -> ChatCost:
    """The fee by fee of `usage` at `pricing` (default: the service's on-chain prices, tiers and cache)."""
    if pricing is None:
        pricing = pricing_for(service.input_price_wei, service.output_price_wei, service.additional_info)
    return price_chat(pricing, UsageCounts(usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens,
                                           usage.cache_write_tokens, usage.cache_write_1h_tokens))
