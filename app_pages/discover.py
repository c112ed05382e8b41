"""Discover: every service on the network — by provider or by model — with filters, prices per tier,
health, details, attestation and actions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from og_core import ServiceInfo
from og_ui import discover_filters, market_view, service_details, session
from og_ui.inert import clean, inert
from og_ui.services import services, type_md
from og_ui.widgets import MODEL_CHARS, model_md

st.title("Discover services")
st.caption("Every AI service registered on the network's inference contract, with its on-chain prices and "
           "the health 0G's status service reports.")
client = session.require_client()
market_view.seed_from_url()

top = st.columns([4, 1], vertical_alignment="bottom")
view = top[0].segmented_control("View", ["Providers", "Models"], key="disc_view", default="Providers", required=True,
                                help="Providers: one row per on-chain service. Models: one row per model, with "
                                     "every provider that offers it.")
refresh = top[1].button("Refresh", icon=":material/refresh:", key="disc_refresh")
cache_key = (client.network, "services")
if refresh or st.session_state.get("disc_cache_key") != cache_key:
    with st.spinner("Reading services from the chain and checking each provider…"):
        st.session_state["disc_services"] = services(client, refresh=refresh, probe=True)
        st.session_state["disc_cache_key"] = cache_key
market = market_view.load(client, refresh=refresh)
all_services: list[ServiceInfo] = st.session_state.get("disc_services", [])
if not all_services:
    st.info("No services are registered on this network yet. Press Refresh, or switch network in the sidebar.",
            icon=":material/search_off:")
    st.stop()
if market is not None and market.status.error:
    st.caption(f":material/monitor_heart: {inert(market.status.error)}")

# ----------------------------------------------------------------- filters (compact: the table stays in view on a phone)
types = sorted({s.service_type for s in all_services})
f = st.columns([4, 1], vertical_alignment="bottom")
picked = f[0].pills("Type", types, selection_mode="multi", key="disc_types", format_func=type_md,
                    help="None picked shows every type; pick one or more to show only those.")
with f[1].popover(discover_filters.more_filters_label(), icon=":material/tune:", width="stretch"):
    search = st.text_input("Search model", key="disc_search", placeholder="e.g. chat")
    sort = st.selectbox("Sort by price", discover_filters.SORTS, key="disc_sort",
                        help="Within each type: prices of different types are in different units "
                             "(per 1M tokens, per image) and are never compared.")
    verifiable_only = st.toggle("TEE-verifiable only", key="disc_verifiable",
                                help="TEE services whose signer the owner acknowledged")
chosen = discover_filters.chosen_types(picked, types)
shown = discover_filters.filter_services(all_services, types=chosen, search=search, verifiable_only=verifiable_only,
                                         sort=sort)
if not shown:
    st.info("No service matches these filters. Clear the search or pick other types.", icon=":material/filter_alt_off:")
    st.stop()


selected: ServiceInfo | None = None
detail_model: str | None = None
if view == "Providers":
    addresses = [s.provider for s in shown]
    chosen_addr = discover_filters.stable_selection("disc_table", addresses, "disc_selected")
    st.dataframe(
        market_view.provider_frame(shown, market), key="disc_table", hide_index=True, on_select="rerun",
        selection_mode="single-row",
        column_config={
            "model": st.column_config.TextColumn("model", pinned=True),
            "health": st.column_config.TextColumn("health", help="Reachable now, and how long /v1/models took"),
            "status": st.column_config.TextColumn("status (0G)", help="0G's status service: status, uptime and "
                                                  "response times"),
            "input price (OG)": st.column_config.NumberColumn("input", help="OG per unit (see 'per'), lowest tier",
                                                              format="%.6g OG"),
            "output price (OG)": st.column_config.NumberColumn("output", help="OG per unit (see 'per'), lowest tier",
                                                               format="%.6g OG"),
            "per": st.column_config.TextColumn("per", help="1M tokens, or one image"),
            "provider": st.column_config.TextColumn("provider", help="Full address in the details below"),
            "TEE verifiable": st.column_config.CheckboxColumn("TEE", width="small",
                                                              help="TEE service whose signer the owner acknowledged: "
                                                                   "its answers can be verified"),
            "signer acknowledged": st.column_config.CheckboxColumn("signer ack.", width="small"),
        },
    )
    st.caption(f"{len(shown)} of {len(all_services)} services. Select a row for details and actions.")
    with st.expander("Price chart per type", icon=":material/bar_chart:"):
        by_type: dict[str, list[ServiceInfo]] = {}
        for s in shown:
            by_type.setdefault(s.service_type, []).append(s)
        tabs = st.tabs([type_md(t) for t in by_type])
        for tab, items in zip(tabs, by_type.values(), strict=True):
            unit = items[0].price_unit
            chart = pd.DataFrame({"model": [clean(s.model, limit=MODEL_CHARS) for s in items],
                                  f"input (OG per {unit})": [float(s.input_price_og) for s in items],
                                  f"output (OG per {unit})": [float(s.output_price_og) for s in items]}
                                 ).set_index("model")
            tab.bar_chart(chart, stack=False, y_label=f"OG per {unit}")
    selected = next((s for s in shown if s.provider == chosen_addr), None)
    if selected is None:
        st.info("Select a service in the table to see its prices per tier, model, health and attestation.",
                icon=":material/touch_app:")
        st.stop()
else:
    models = market_view.summaries(shown, market)
    chosen_model = market_view.pick_model(models)
    st.dataframe(
        market_view.model_rows(models), key="disc_models", hide_index=True, on_select="rerun",
        selection_mode="single-row",
        column_config={
            "model": st.column_config.TextColumn("model", pinned=True),
            "price": st.column_config.TextColumn("price", help="Lowest to highest base price among the providers "
                                                 "shown; tiered prices are per prompt length (see a provider)"),
            "health": st.column_config.TextColumn("health", help="From 0G's status service"),
            "verified": st.column_config.TextColumn("verified", help="Providers whose TEE signer is acknowledged"),
            "best value": st.column_config.TextColumn("best value", help="Lowest input + output price among the "
                                                      "providers shown"),
        },
    )
    st.caption(f"{len(models)} models from {len(shown)} services. Select a model to see who offers it.")
    summary = next((m for m in models if m.model == chosen_model), None)
    if summary is None:
        st.info("Select a model to compare its providers: prices per tier, health and response times.",
                icon=":material/touch_app:")
        st.stop()
    st.subheader(f"{model_md(summary.model)} — {summary.provider_count} provider"
                 f"{'s' if summary.provider_count != 1 else ''}", anchor=False)
    times = market_view.response_times(summary.offers)
    if times is not None:
        st.caption("Response time per provider (0G's status service): p50 and p99, in ms — shorter is faster.")
        st.bar_chart(times, horizontal=True, stack=False, height=60 + 40 * len(times), x_label="ms")
    for n, offer in enumerate(summary.offers):
        service_details.offer_card(client, offer, key=f"disc_offer_{n}", best=offer.provider == summary.best_value)
    selected = next((o.service for o in summary.offers if o.provider == st.session_state.get("disc_selected")), None)
    detail_model = summary.model
    if selected is None:
        st.stop()

st.divider()
service_details.render(client, selected, market, detail_model)
