"""Discover's details panel of one service: who and where, prices per tier, health, the model object
from /v1/models, additionalInfo, the attestation log, and the actions (use it, fund it).

Everything but prices and addresses is the provider's own words: shown inert (og_ui/inert.py).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from og_core import MarketView, ModelInfo, Offer, OgClient, ServiceInfo, offers_of, short_address
from og_ui import attest_view, funding, market_view
from og_ui.inert import cell, inert
from og_ui.widgets import model_md

# where "Use in …" sends a service, and the picker key it presets there
USE_IN = {
    "chatbot": ("app_pages/chat.py", "chat_provider", "Use in chat"),
    "text-to-image": ("app_pages/text_to_image.py", "img_provider", "Use in text-to-image"),
    "image-editing": ("app_pages/image_edit.py", "edit_provider", "Use in image editing"),
    "speech-to-text": ("app_pages/speech_to_text.py", "stt_provider", "Use in speech-to-text"),
}
MODELS_KEY = "disc_model_objects"  # (network, provider) → its /v1/models, fetched once per session


def offer_of(svc: ServiceInfo, market: MarketView | None, model: str | None = None) -> Offer:
    """`svc`'s offer of `model` (default: its on-chain model), priced and with its health."""
    offers = offers_of(svc, market.status if market else None,
                       market.model_lists.get(svc.provider) if market else None)
    return next((o for o in offers if o.model == (model or svc.model)), offers[0])


def model_object(client: OgClient, offer: Offer) -> tuple[ModelInfo | None, str | None]:
    """The offer's /v1/models object: relayed by the status service, else asked of the provider once
    (≤ 10 s, bounded); (None, why) when there is none."""
    if offer.info is not None:
        return offer.info, None
    cache = st.session_state.setdefault(MODELS_KEY, {})
    key = (client.network, offer.provider)
    if key not in cache:
        with st.spinner("Reading the provider's model list…"):
            cache[key] = client.models(offer.provider)
    models = cache[key]
    found = models.get(offer.model)
    return found, None if found else (models.error or "The provider's model list does not describe this model.")


def actions(client: OgClient, svc: ServiceInfo, *, key: str) -> None:
    """"Use in chat" (or the media page of its type) and the Fund popover, side by side."""
    if svc.url_error:  # every request to it would be refused: say so by the actions
        st.warning(f"This service can't be used: {inert(svc.url_error)}", icon=":material/link_off:")
    a1, a2 = st.columns(2)
    target = USE_IN.get(svc.service_type)
    if target and a1.button(target[2], key=f"{key}_use", type="primary", icon=":material/arrow_forward:"):
        st.session_state[target[1]] = svc.provider
        st.switch_page(target[0])
    with a2:
        funding.fund_popover(client, svc, key=f"{key}_fund")


def prices(offer: Offer) -> None:
    st.markdown("**Prices** (OG per " + market_view.unit(offer.service.service_type) + ")")
    st.dataframe(market_view.tier_frame(offer), width="content")
    for note in offer.pricing.notes:
        st.caption(f":material/info: {inert(note)}")


def health(offer: Offer) -> None:
    h = offer.health
    st.markdown(f"**Health:** {inert(market_view.offer_health(h))}")
    extra = []
    if h.ttft is not None and h.ttft.p50 is not None:
        extra.append(f"first token p50 {h.ttft.p50:,.0f} {inert(h.ttft.unit)}")
    if h.tokens_per_second is not None and h.tokens_per_second.p50 is not None:
        extra.append(f"tokens per second p50 {h.tokens_per_second.p50:,.1f}")
    if h.checks_total:
        extra.append(f"{h.checks_failed or 0:,} of {h.checks_total:,} checks failed")
    if h.last_check:
        extra.append(f"last checked {inert(h.last_check)}")
    if extra:
        st.caption(" · ".join(extra))


def render(client: OgClient, svc: ServiceInfo, market: MarketView | None, model: str | None = None) -> None:
    """The whole panel for `svc` (and `model`, for a multi-model service)."""
    offer = offer_of(svc, market, model)
    st.subheader(model_md(offer.model), anchor=False)
    d1, d2 = st.columns(2)
    with d1:
        st.markdown(f"**Type:** {inert(svc.service_type)} · **verifiability:** {inert(svc.verifiability) or 'none'}"
                    f" · signer acknowledged: {'yes' if svc.tee_signer_acknowledged else 'no'}")
        st.markdown("**Provider address**")
        st.code(svc.provider, language=None)
        st.markdown(f"**URL:** {inert(svc.url)}")
        signer = inert(svc.signing_address) or "unknown"
        st.markdown(f"**Responses signed by:** {signer} ({inert(svc.signing_address_source)})")
        if svc.signing_address_error:
            st.caption(inert(svc.signing_address_error))
        probe = svc.health
        if probe is not None:
            models = inert(", ".join(probe.models), limit=500) or "—"
            state = (f"up, {probe.latency_ms:.0f} ms" if probe.reachable and probe.latency_ms is not None
                     else inert(probe.error or "down"))
            st.markdown(f"**Reachable now:** {state} · **models served:** {models}")
        health(offer)
        prices(offer)
    with d2:
        info, why = model_object(client, offer)
        st.markdown("**Model** (the provider's /v1/models)")
        if info is not None:
            st.table(pd.DataFrame([{"field": k, "value": cell(v, limit=500)} for k, v in info.rows()])
                     .set_index("field"))
            for note in info.notes[:5]:
                st.caption(f":material/info: {inert(note)}")
        else:
            st.caption(inert(why))
        with st.expander("additionalInfo (on-chain)", icon=":material/data_object:"):
            if svc.additional_info is not None:
                st.json(svc.additional_info, expanded=False)
            else:
                st.caption(inert(svc.additional_info_error or "none"))
        attest_view.render(client, svc.provider)
    actions(client, svc, key="disc")


def offer_card(client: OgClient, offer: Offer, *, key: str, best: bool) -> None:
    """One provider of the chosen model: badges, health, prices per tier, and one click to use it, fund
    it or open its details below."""
    with st.container(border=True, key=key):
        badges = [":green-badge[:material/savings: Best value]"] if best else []
        badges.append(":blue-badge[:material/verified: TEE verified]" if offer.verified
                      else ":gray-badge[:material/gpp_maybe: Not verified]")
        badges.append(f":{market_view.HEALTH_COLORS[offer.health.status]}-badge[{offer.health.label}]")
        st.markdown(" ".join(badges), help="Best value: the lowest input + output price among the providers shown")
        st.markdown(f"**{short_address(offer.provider)}** · {inert(market_view.offer_health(offer.health))}")
        st.dataframe(market_view.tier_frame(offer), width="content")
        for note in offer.pricing.notes:
            st.caption(f":material/info: {inert(note)}")
        c = st.columns(3)
        target = USE_IN.get(offer.service.service_type)
        if target and c[0].button(target[2], key=f"{key}_use", type="primary" if best else "secondary",
                                  icon=":material/arrow_forward:"):
            st.session_state[target[1]] = offer.provider
            st.switch_page(target[0])
        with c[1]:
            funding.fund_popover(client, offer.service, key=f"{key}_fund")
        if c[2].button("Details", key=f"{key}_details", icon=":material/info:"):
            st.session_state["disc_selected"] = offer.provider
