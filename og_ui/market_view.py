"""Discover's Models view: the market read once per network, one row per model, and the offers of the
chosen model (its providers, best value first in the eye, tiers, health, response times).

og_core groups and prices (og_core/market.py); this module only words and shapes it for the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd
import streamlit as st

from og_core import (
    MarketView,
    ModelHealth,
    ModelSummary,
    Offer,
    OgClient,
    OgError,
    ServiceInfo,
    format_og_exact,
    og_per_million,
    price_table,
    short_address,
    summarize_models,
)
from og_ui.discover_filters import stable_selection
from og_ui.inert import cell, inert
from og_ui.services import type_text
from og_ui.widgets import MODEL_CHARS, show_error

HEALTH_WAIT_S = 3.0  # the page shows without health rather than wait for a slow status service
IMAGE_TYPES = ("text-to-image", "image-editing")


def load(client: OgClient, *, refresh: bool = False) -> MarketView | None:
    """The market (services, the status service's health, multi-model lists), read once per network
    and kept in session_state until Refresh; None (said on the page) when the chain cannot be read."""
    key = (client.network, "market")
    if refresh or st.session_state.get("disc_market_key") != key:
        try:
            st.session_state["disc_market"] = client.market(refresh=refresh, health_wait_s=HEALTH_WAIT_S)
        except OgError as exc:
            show_error(exc)
            st.session_state.pop("disc_market", None)
        st.session_state["disc_market_key"] = key
    return st.session_state.get("disc_market")


def summaries(shown: Sequence[ServiceInfo], market: MarketView | None) -> list[ModelSummary]:
    """One summary per model over the services the filters let through, so "best value" is the best
    among those shown."""
    if market is None:
        return summarize_models(shown)
    return summarize_models(shown, market.status, market.model_lists)


def unit(service_type: str) -> str:
    return "image" if service_type in IMAGE_TYPES else "1M tokens"


def og_price(wei_per_unit: int, service_type: str) -> str:
    """A neuron price as OG per unit (per 1M tokens, or per image), exact."""
    return format_og_exact(wei_per_unit) if service_type in IMAGE_TYPES else og_per_million(wei_per_unit)


def _span(prices: Sequence[int], service_type: str) -> str:
    low, high = og_price(min(prices), service_type), og_price(max(prices), service_type)
    return low if low == high else f"{low}–{high}"


def price_range_text(summary: ModelSummary) -> str:
    """"in 0.05–0.2 · out 0.3–0.4 OG per 1M tokens (tiered)" (base prices, lowest tier) or
    "0.001 OG per image"."""
    offers, kind = summary.offers, summary.service_type
    if not offers:
        return "—"
    if kind in IMAGE_TYPES:
        return f"{_span([o.pricing.output_price_wei for o in offers], kind)} OG per image"
    tiered = " (tiered)" if summary.tiered else ""
    return (f"in {_span([o.pricing.input_price_wei for o in offers], kind)} · "
            f"out {_span([o.pricing.output_price_wei for o in offers], kind)} OG per 1M tokens{tiered}")


def health_text(summary: ModelSummary) -> str:
    """"2/3 healthy · best p50 120 ms", or "unknown" when the status service says nothing of it."""
    known = [o.health for o in summary.offers if o.health.known]
    if not known:
        return "unknown"
    p50s = [h.p50_ms for h in known if h.p50_ms is not None]
    best = f" · best p50 {min(p50s):,.0f} ms" if p50s else ""
    return f"{summary.healthy_count}/{summary.provider_count} healthy{best}"


def model_rows(items: Sequence[ModelSummary]) -> pd.DataFrame:
    """The Models table: the columns people decide on first (model, price, health, verified)."""
    return pd.DataFrame([{
        "model": cell(s.model, limit=MODEL_CHARS),
        "price": price_range_text(s),
        "health": health_text(s),
        "verified": f"{s.verified_count}/{s.provider_count}",
        "providers": s.provider_count,
        "best value": short_address(s.best_value) if s.best_value else "—",
        "type": type_text(s.service_type),
    } for s in items], columns=["model", "price", "health", "verified", "providers", "best value", "type"])


def offer_health(health: ModelHealth) -> str:
    """"High availability · 99.50% up · p50 120 ms, p99 900 ms", or why it is unknown."""
    if not health.known:
        return "Status unknown (the status service has no entry for it)"
    parts = [health.label]
    if health.uptime_pct is not None:
        parts.append(f"{health.uptime_pct:.2f}% up")
    if health.p50_ms is not None:
        parts.append(f"p50 {health.p50_ms:,.0f} ms" + (f", p99 {health.p99_ms:,.0f} ms"
                                                      if health.p99_ms is not None else ""))
    return " · ".join(parts)


HEALTH_COLORS: dict[str, Literal["green", "orange", "red", "gray"]] = {"healthy": "green", "warning": "orange", "critical": "red", "unknown": "gray"}


def tier_frame(offer: Offer) -> pd.DataFrame:
    """The offer's prices per tier (OG per 1M tokens, or per image), with the cache-hit price."""
    rows = price_table(offer.pricing, offer.service.service_type)
    cache = any(r.cache_hit_og is not None for r in rows)
    frame = pd.DataFrame([{"prompt length": r.label, "input": r.input_og, "output": r.output_og,
                           **({"cache hit": r.cache_hit_og or "—"} if cache else {})} for r in rows])
    return frame.set_index("prompt length")


def response_times(offers: Sequence[Offer]) -> pd.DataFrame | None:
    """p50 and p99 response time (ms) per provider, for a chart; None when no provider has any."""
    rows = {short_address(o.provider): {"p50 (ms)": o.health.p50_ms, "p99 (ms)": o.health.p99_ms}
            for o in offers if o.health.p50_ms is not None}
    return pd.DataFrame.from_dict(rows, orient="index") if rows else None


# --------------------------------------------------------------------------- the Providers table


def _reachable(s: ServiceInfo) -> str:
    h = s.health
    if h is None:
        return "unknown"
    if not h.reachable:
        return "down"
    return "up" if h.latency_ms is None else f"up · {h.latency_ms:.0f} ms"


def provider_frame(shown: Sequence[ServiceInfo], market: MarketView | None) -> pd.DataFrame:
    """One row per service, the columns people decide on first (model, prices, health, TEE), so they
    stay in view on a phone."""
    return pd.DataFrame([{
        "model": cell(s.model, limit=MODEL_CHARS),  # table cells: cleaned, never a spreadsheet formula
        "input price (OG)": float(s.input_price_og),
        "output price (OG)": float(s.output_price_og),
        "per": s.price_unit,
        "health": _reachable(s),
        "TEE verifiable": s.verifiable,
        "status": market.status.health_for(s.provider, s.model).summary() if market is not None else "—",
        "type": type_text(s.service_type),
        "provider": short_address(s.provider),
        "signer acknowledged": s.tee_signer_acknowledged,
    } for s in shown])


# --------------------------------------------------------------------------- the chosen model

URL_MODEL = "model"  # ?model=<id>: a link straight to one model's providers


def seed_from_url() -> None:
    """Once per session: a `?model=` link opens the Models view on that model."""
    if st.session_state.get("disc_url_seeded"):
        return
    st.session_state["disc_url_seeded"] = True
    wanted = st.query_params.get(URL_MODEL)
    if wanted:
        st.session_state["disc_model"] = wanted
        st.session_state["disc_model_from_url"] = wanted
        st.session_state["disc_view"] = "Models"


def pick_model(items: Sequence[ModelSummary]) -> str | None:
    """The chosen model (a click in the Models table, or the `?model=` link), kept in the URL."""
    ids = [s.model for s in items]
    linked = st.session_state.pop("disc_model_from_url", None)
    if linked is not None and linked not in ids:
        st.warning(f"No model named “{inert(linked, limit=MODEL_CHARS)}” is offered here (with these filters).",
                   icon=":material/search_off:")
    chosen = stable_selection("disc_models", ids, "disc_model")
    if chosen is None:
        st.query_params.pop(URL_MODEL, None)
    elif st.query_params.get(URL_MODEL) != chosen:
        st.query_params[URL_MODEL] = chosen
    return chosen
