"""What a request costs, in words, for Chat, Compare and the media pages.

Before sending: the estimate (og_core's CostEstimate) naming the price tier and its multipliers; a
request whose prompt would be billed in a dearer tier than the one already accepted is held — "Send
anyway" / "Don't send" — so no money moves without the user's choice. After: each answer's cost naming
its tier and cached tokens, and the fee-by-fee breakdown in an expander. Every figure says its unit
and where it came from (the service's on-chain entry, its additionalInfo or its /v1/models).
Media services keep their own units: per image, per output token.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import streamlit as st

from og_core import (
    SPEECH_TOKENS_PER_MINUTE,
    ChatCost,
    ChatResult,
    CostEstimate,
    ImageResult,
    OgClient,
    OgError,
    Pricing,
    ServiceInfo,
    TranscriptResult,
    duration_text,
    estimate_transcript,
    format_og_exact,
    og_per_million,
)
from og_ui.inert import inert
from og_ui.widgets import MODEL_CHARS, count_text, queue_toast

# --------------------------------------------------------------------------- where a price came from


def pricing_source(pricing: Pricing | None) -> str:
    """"prices: the service's on-chain entry; tiers: its additionalInfo; cache billing: its /v1/models"."""
    if pricing is None:
        return "prices: the service's on-chain entry"
    parts = ["prices: the service's on-chain entry"]
    where = {"additionalInfo": "its on-chain additionalInfo", "/v1/models": "its model list (/v1/models)"}
    if pricing.tiers_source:
        parts.append(f"tiers: {where.get(pricing.tiers_source, pricing.tiers_source)}")
    if pricing.cache_source:
        parts.append(f"cache billing: {where.get(pricing.cache_source, pricing.cache_source)}")
    return "; ".join(parts)


def _og(wei: int | Fraction) -> str:
    return f"{format_og_exact(wei)} OG"


# --------------------------------------------------------------------------- before sending: chat


def estimate_chat(client: OgClient, svc: ServiceInfo, messages: list[dict[str, Any]],
                  max_tokens: int) -> CostEstimate | None:
    """og_core's estimate, or None when the service's prices cannot be read (the page then says so)."""
    try:
        return client.estimate_chat(svc.provider, messages, int(max_tokens), svc.model)
    except OgError:
        return None


def estimate_text(est: CostEstimate) -> str:
    """"Estimated cost: at most 0.0003 OG — about 1,000 prompt tokens + up to 500 answer tokens, tier
    ≤32k tokens (1×) · prices: the service's on-chain entry; tiers: …". Plain text, ours only."""
    tier = f", {est.tier_text}" if est.tier_text else ""
    text = (f"Estimated cost: at most {_og(est.max_total_wei)} — about {count_text(est.prompt_tokens, 'prompt token')}"
            f" + up to {count_text(est.max_completion_tokens, 'answer token')}{tier}, at "
            f"{og_per_million(est.input_price_wei)} OG in / {og_per_million(est.output_price_wei)} OG out per 1M "
            f"tokens · {pricing_source(est.pricing)}.")
    cache = est.pricing.cache if est.pricing is not None else None
    if cache is not None:
        text += (f" Tokens the provider reads from its cache cost 1/{cache.divisor} of the input price; none are "
                 "assumed here.")
    return text


def show_estimate(est: CostEstimate | None, *, what: str = "this request") -> None:
    """The estimate as a caption, its tier warning (if any) under it, and notes on ignored prices."""
    if est is None:
        st.caption(f"The cost of {what} cannot be estimated: the service's prices could not be read.")
        return
    st.caption(estimate_text(est))
    if est.warning:
        st.warning(est.warning, icon=":material/price_change:")
    for note in est.pricing.notes if est.pricing is not None else ():
        st.caption(f":material/info: {inert(note)}")


# --------------------------------------------------------------------------- held sends

Send = Callable[[dict[str, Any]], object]
CHAT = "chat"  # the Chat page's key


def _accepted(key: str) -> dict[str, int]:
    """provider → the dearest tier index the user already chose to pay for (in this conversation)."""
    return st.session_state.setdefault(f"{key}_tiers_ok", {})


def forget(key: str) -> None:
    """A new conversation: tiers accepted so far must be accepted again."""
    st.session_state.pop(f"{key}_tiers_ok", None)
    st.session_state.pop(f"{key}_held", None)


def dearer(key: str, estimates: Mapping[str, CostEstimate | None]) -> dict[str, CostEstimate]:
    """The estimates (by provider) billed in a dearer tier than the first and than what was accepted."""
    ok = _accepted(key)
    return {p: e for p, e in estimates.items() if e is not None and e.dearer_tier and e.tier_index is not None
            and e.tier_index > ok.get(p, 0)}


def send_or_hold(key: str, estimates: Mapping[str, CostEstimate | None], request: dict[str, Any],
                 send: Send) -> bool:
    """Send `request` now (True), or — when a provider would bill it in a dearer tier not accepted yet —
    keep it until the user answers `held_choice` (False: nothing sent)."""
    over = dearer(key, estimates)
    if not over:
        send(request)
        return True
    st.session_state[f"{key}_held"] = {"request": request, "tiers": {p: e.tier_index for p, e in over.items()},
                                       "warnings": [e.warning or e.tier_text for e in over.values()]}
    return False


def held_choice(key: str, send: Send, *, names: Mapping[str, str]) -> None:
    """Draw a held request with "Send anyway" / "Don't send". Send anyway accepts those tiers (not
    asked again in this conversation) and calls `send(request)`; Don't send drops it, nothing paid.
    `names`: provider → model of the services the page would send to now; a request held for another
    provider (the user picked a different one since) is dropped unsent."""
    held = st.session_state.get(f"{key}_held")
    if held is None:
        return
    if not set(held["tiers"]) <= set(names):
        st.session_state.pop(f"{key}_held", None)
        return
    with st.container(border=True):
        who = ", ".join(inert(names[p], limit=MODEL_CHARS) for p in held["tiers"])
        # the warnings are og_core's sentences (numbers and fixed words); only model names are the provider's
        st.warning(f"**Not sent yet — a dearer price tier** ({who}). " + " ".join(held["warnings"])
                   + " Send it anyway?", icon=":material/price_change:")
        if held["request"].get("prompt"):
            st.caption(f"Your message: {inert(held['request']['prompt'], limit=300)}")
        c1, c2 = st.columns(2)
        if c1.button("Send anyway", key=f"{key}_send_anyway", type="primary", icon=":material/send:"):
            st.session_state.pop(f"{key}_held", None)
            _accepted(key).update(held["tiers"])
            send(held["request"])
        elif c2.button("Don't send", key=f"{key}_dont_send", icon=":material/cancel:"):
            st.session_state.pop(f"{key}_held", None)
            queue_toast("Not sent: nothing was paid.", ":material/cancel:")
            st.rerun()


def is_held(key: str) -> bool:
    return f"{key}_held" in st.session_state


# --------------------------------------------------------------------------- after: a chat answer


def cost_line(result: ChatResult) -> str:
    """"cost 0.0037 OG · tier 32k–128k tokens (2× input, 3× output) · 120 cached tokens at the cache
    price (1/10 of the input price)"."""
    bill = result.billing
    parts = [f"cost {_og(result.cost_wei)}"]
    if bill is not None:
        parts += [t for t in (bill.tier_text, bill.cache_text) if t]
    return " · ".join(parts)


def _fee_rows(bill: ChatCost) -> list[tuple[str, int, str, int]]:
    """(what, tokens, price per token in words, fee in neuron) for every part that was billed."""
    rows = [("prompt tokens at the tier's input price", bill.full_tokens, f"{bill.input_price_wei:,}",
             bill.full_fee_wei)]
    cache = bill.pricing.cache if bill.pricing is not None else None
    if bill.cached_tokens and cache is not None:
        rows.append(("cached tokens (read from the provider's cache)", bill.cached_tokens,
                     f"{bill.input_price_wei:,} ÷ {cache.divisor}", bill.cached_fee_wei))
    if bill.cache_write_tokens and cache is not None and cache.write_multiplier is not None:
        rows.append(("tokens written to the cache (5 minutes)", bill.cache_write_tokens,
                     f"{bill.input_price_wei:,} × {cache.write_multiplier}", bill.write_fee_wei))
    if bill.cache_write_1h_tokens and cache is not None and cache.write_1h_multiplier is not None:
        rows.append(("tokens written to the cache (1 hour)", bill.cache_write_1h_tokens,
                     f"{bill.input_price_wei:,} × {cache.write_1h_multiplier}", bill.write_1h_fee_wei))
    rows.append(("completion tokens at the tier's output price", bill.completion_tokens,
                 f"{bill.output_price_wei:,}", bill.output_fee_wei))
    return rows


def breakdown_markdown(bill: ChatCost) -> str:
    """The fee-by-fee table (ours: numbers and fixed words only), its total and where it came from."""
    lines = ["| part | tokens | price (neuron per token) | fee (neuron) | fee (OG) |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {what} | {n:,} | {price} | {fee:,} | {format_og_exact(fee)} |"
              for what, n, price, fee in _fee_rows(bill)]
    lines.append(f"| **total** | | | **{bill.total_wei:,}** | **{format_og_exact(bill.total_wei)}** |")
    tier = f" The whole request is billed in {bill.tier_text}." if bill.tier_text else ""
    return ("\n".join(lines) + f"\n\nComputed from the usage the provider reported ({bill.prompt_tokens:,} prompt "
            f"tokens, {bill.cached_tokens:,} of them cached; {bill.completion_tokens:,} completion tokens) at "
            f"{pricing_source(bill.pricing)}.{tier} Each fee is rounded down to the neuron, as the provider's "
            "broker bills (1 OG = 10¹⁸ neuron).")


def show_breakdown(result: ChatResult, *, key: str) -> None:
    """The answer's cost fee by fee, in an expander (nothing when og_core gave no breakdown)."""
    if result.billing is None:
        return
    with st.expander("Cost breakdown", icon=":material/receipt_long:", key=key):
        st.markdown(breakdown_markdown(result.billing))


# --------------------------------------------------------------------------- media: their own units


def unit_price_text(svc: ServiceInfo) -> str:
    """A media service's price in its unit, with its source: "0.001 OG per image (the service's
    on-chain price)"; speech is billed per output (transcript) token."""
    if svc.price_unit == "image":
        return f"{_og(svc.output_price_wei)} per image (the service's on-chain price)"
    return (f"{og_per_million(svc.output_price_wei)} OG per 1M output tokens (the service's on-chain output "
            "price)")


def media_estimate_text(svc: ServiceInfo, count: int = 1) -> str:
    """Before sending: images at their price each; speech says what the total depends on."""
    if svc.price_unit == "image":
        return (f"Estimated cost: {count_text(count, 'image')} × {unit_price_text(svc)} = "
                f"{_og(count * svc.output_price_wei)}.")
    return (f"Billed per output token: {unit_price_text(svc)}; the total depends on the transcript's length "
            "(the provider reports it after transcribing).")


def transcript_estimate_text(svc: ServiceInfo, seconds: float) -> str:
    """Before sending one clip: its cost from its duration, in the provider's own unit, saying how the
    estimate is made (a typical speaking rate: the transcript's length is not known yet)."""
    est = estimate_transcript(seconds, svc.output_price_wei)
    return (f"This file ({duration_text(seconds)}): about {est.tokens:,} output tokens ≈ {_og(est.cost_wei)} at "
            f"{unit_price_text(svc)}. Estimated at about {SPEECH_TOKENS_PER_MINUTE} output tokens per minute of "
            f"speech (≈ {_og(est.per_minute_wei)} per minute); the provider bills the real transcript's tokens.")


def media_cost_text(result: ImageResult | TranscriptResult, svc: ServiceInfo | None) -> str:
    """After: "cost 0.002 OG (2 images × 0.001 OG per image)", "cost … (12 output tokens × …)"."""
    text = f"cost {_og(result.cost_wei)}"
    if svc is None:
        return text
    if isinstance(result, ImageResult):
        return text + f" ({count_text(len(result.images), 'image')} × {_og(svc.output_price_wei)} per image)"
    return text + (f" ({count_text(result.usage.completion_tokens, 'output token')} × "
                   f"{og_per_million(svc.output_price_wei)} OG per 1M tokens)")
