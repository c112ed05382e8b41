"""Discover: every service on the network, filters, prices per type, details and actions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from og_core import OgError, ServiceInfo, short_address
from og_ui import funding, session
from og_ui.inert import cell, clean, inert
from og_ui.services import services, type_md, type_text
from og_ui.widgets import MODEL_CHARS, model_md, og_text, show_error

# where "Use in …" sends a service, and the picker key it presets there
USE_IN = {
    "chatbot": ("app_pages/chat.py", "chat_provider", "Use in chat"),
    "text-to-image": ("app_pages/text_to_image.py", "img_provider", "Use in text-to-image"),
    "image-editing": ("app_pages/image_edit.py", "edit_provider", "Use in image editing"),
    "speech-to-text": ("app_pages/speech_to_text.py", "stt_provider", "Use in speech-to-text"),
}

st.title("Discover services")
st.caption("Every AI service registered on the network's inference contract, with its on-chain prices.")
client = session.require_client()

top = st.columns([1, 1, 4])
refresh = top[0].button("Refresh", icon=":material/refresh:", key="disc_refresh")
cache_key = (client.network, "services")
if refresh or st.session_state.get("disc_cache_key") != cache_key:
    with st.spinner("Reading services from the chain and checking each provider…"):
        st.session_state["disc_services"] = services(client, refresh=refresh, probe=True)
        st.session_state["disc_cache_key"] = cache_key
all_services: list[ServiceInfo] = st.session_state.get("disc_services", [])
if not all_services:
    st.info("No services are registered on this network yet. Press Refresh, or switch network in the sidebar.",
            icon=":material/search_off:")
    st.stop()

# ----------------------------------------------------------------- filters
types = sorted({s.service_type for s in all_services})
chosen = st.pills("Type", types, selection_mode="multi", default=types, key="disc_types",
                  format_func=type_md) or types  # none picked = all, not an empty table
f = st.columns([2, 1.4, 1.6], vertical_alignment="bottom")
search = f[0].text_input("Search model", key="disc_search", placeholder="e.g. chat")
sort = f[1].selectbox("Sort by price", ["none", "cheapest first", "most expensive first"], key="disc_sort",
                      help="Within each type: prices of different types are in different units "
                           "(per 1M tokens, per image) and are never compared.")
verifiable_only = f[2].toggle("TEE-verifiable only", key="disc_verifiable",
                              help="TEE services whose signer the owner acknowledged")

shown = [s for s in all_services if s.service_type in chosen and (s.verifiable or not verifiable_only)
         and search.strip().lower() in s.model.lower()]
if sort != "none":
    shown.sort(key=lambda s: (s.output_price_wei, s.input_price_wei), reverse=sort == "most expensive first")
    shown.sort(key=lambda s: types.index(s.service_type))  # stable: price order kept inside each type


def _health(s: ServiceInfo) -> str:
    h = s.health
    if h is None:
        return "unknown"
    if not h.reachable:
        return "down"
    return "up" if h.latency_ms is None else f"up · {h.latency_ms:.0f} ms"


def _row(s: ServiceInfo) -> dict:
    # The columns people decide on come first, so they stay in view on a narrow window.
    return {
        "type": type_text(s.service_type),  # table cells are plain text: cleaned, not escaped
        "model": cell(s.model),
        "health": _health(s),
        "TEE verifiable": s.verifiable,
        "input price (OG)": float(s.input_price_og),
        "output price (OG)": float(s.output_price_og),
        "per": s.price_unit,
        "provider": short_address(s.provider),
        "signer acknowledged": s.tee_signer_acknowledged,
    }


if not shown:
    st.info("No service matches these filters. Clear the search or select more types.", icon=":material/filter_alt_off:")
    st.stop()

frame = pd.DataFrame([_row(s) for s in shown])
event = st.dataframe(
    frame, key="disc_table", hide_index=True, on_select="rerun", selection_mode="single-row",
    column_config={
        "model": st.column_config.TextColumn("model", pinned=True),
        "health": st.column_config.TextColumn("health", help="Reachable now, and how long /v1/models took"),
        "input price (OG)": st.column_config.NumberColumn("input price", help="OG per unit (see 'per')",
                                                          format="%.6g OG"),
        "output price (OG)": st.column_config.NumberColumn("output price", help="OG per unit (see 'per')",
                                                           format="%.6g OG"),
        "per": st.column_config.TextColumn("per", help="1M tokens, or one image"),
        "provider": st.column_config.TextColumn("provider", help="Full address in the details below"),
        "TEE verifiable": st.column_config.CheckboxColumn("TEE", width="small",
                                                          help="TEE service whose signer the owner acknowledged: "
                                                               "its answers can be verified"),
        "signer acknowledged": st.column_config.CheckboxColumn("signer ack.", width="small"),
    },
)
rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
if rows:
    st.session_state["disc_selected"] = shown[rows[0]].provider
st.caption(f"{len(shown)} of {len(all_services)} services. Select a row for details and actions.")

# ----------------------------------------------------------------- prices per type
with st.expander("Price chart per type", icon=":material/bar_chart:"):
    by_type: dict[str, list[ServiceInfo]] = {}
    for s in shown:
        by_type.setdefault(s.service_type, []).append(s)
    tabs = st.tabs([type_md(t) for t in by_type])
    for tab, items in zip(tabs, by_type.values(), strict=True):
        unit = items[0].price_unit
        chart = pd.DataFrame({"model": [clean(s.model, limit=MODEL_CHARS) for s in items],
                              f"input (OG per {unit})": [float(s.input_price_og) for s in items],
                              f"output (OG per {unit})": [float(s.output_price_og) for s in items]}).set_index("model")
        tab.bar_chart(chart, stack=False, y_label=f"OG per {unit}")

# ----------------------------------------------------------------- details
selected = next((s for s in all_services if s.provider == st.session_state.get("disc_selected")), None)
if selected is None:
    st.info("Select a service in the table to see its URL, additionalInfo, models and attestation.",
            icon=":material/touch_app:")
    st.stop()

# Everything below but the prices and addresses is the provider's own words: shown inert.
st.subheader(model_md(selected), anchor=False)
d1, d2 = st.columns(2)
with d1:
    st.markdown(f"**Type:** {type_md(selected.service_type)}")
    st.markdown("**Provider address**")
    st.code(selected.provider, language=None)
    st.markdown(f"**URL:** {inert(selected.url)}")
    unit = selected.price_unit
    st.markdown(f"**Prices:** input {og_text(selected.input_price_og)} / output {og_text(selected.output_price_og)} "
                f"per {unit}")
    st.markdown(f"**Verifiability:** {inert(selected.verifiability) or 'none'} · signer acknowledged: "
                f"{'yes' if selected.tee_signer_acknowledged else 'no'}")
    signer = inert(selected.signing_address) or "unknown"
    st.markdown(f"**Responses signed by:** {signer} ({inert(selected.signing_address_source)})")
    if selected.signing_address_error:
        st.caption(inert(selected.signing_address_error))
    h = selected.health
    if h is not None:
        models = inert(", ".join(h.models), limit=500) or "—"
        state = f"up, {h.latency_ms:.0f} ms" if h.reachable and h.latency_ms is not None else inert(h.error or "down")
        st.markdown(f"**Health:** {state} · **models served:** {models}")
with d2:
    st.markdown("**additionalInfo**")
    if selected.additional_info is not None:
        st.json(selected.additional_info, expanded=False)
    else:
        st.caption(inert(selected.additional_info_error or "none"))
    attest = st.session_state.setdefault("disc_attest", {})
    if st.button("Check attestation", key="disc_attest_btn", icon=":material/shield:"):
        try:
            attest[selected.provider] = client.verify_provider(selected.provider)
        except OgError as exc:
            show_error(exc)
    a = attest.get(selected.provider)
    if a is not None:
        icon = {"verified": ":material/verified:", "invalid": ":material/gpp_bad:"}.get(str(a.status), ":material/help:")
        st.markdown(f"{icon} **Attestation {inert(a.status)}** — {inert(a.reason)}")
        if a.report_signer:
            st.caption(f"Quote signer {inert(a.report_signer)} · on-chain signer {inert(a.onchain_signer)}")

if selected.url_error:  # every request to it would be refused: say so by the actions
    st.warning(f"This service can't be used: {inert(selected.url_error)}", icon=":material/link_off:")
a1, a2 = st.columns(2)
target = USE_IN.get(selected.service_type)
if target and a1.button(target[2], key="disc_use", type="primary", icon=":material/arrow_forward:"):
    st.session_state[target[1]] = selected.provider
    st.switch_page(target[0])
with a2:
    funding.fund_popover(client, selected, key="disc_fund")
