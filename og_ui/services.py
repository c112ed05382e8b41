"""Service lists for pickers (thin over og_core discovery)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import streamlit as st

from og_core import OgClient, OgError, ServiceInfo, short_address
from og_ui.inert import cell, clean, inert
from og_ui.widgets import MODEL_CHARS, model_md, price_text, service_label, show_error

TYPE_LABELS = {
    "chatbot": "Chat",
    "text-to-image": "Text-to-image",
    "image-editing": "Image editing",
    "speech-to-text": "Speech-to-text",
}


def type_text(service_type: str) -> str:
    """A service type in words for a plain-text place (table cells, options); unknown types are the
    provider's own words."""
    return TYPE_LABELS.get(service_type) or cell(service_type, limit=40)


def type_md(service_type: str) -> str:
    """A service type for a markdown place (labels, pills, tabs, captions)."""
    return TYPE_LABELS.get(service_type) or inert(service_type, limit=40)


def services(client: OgClient, *, refresh: bool = False, probe: bool = False) -> list[ServiceInfo]:
    """All services (og_core caches per network with a short TTL); errors are shown, [] returned."""
    try:
        return client.services(refresh=refresh, probe=probe)
    except OgError as exc:
        show_error(exc)
        return []


def of_type(client: OgClient, service_type: str) -> list[ServiceInfo]:
    return [s for s in services(client) if s.service_type == service_type]


def pick(client: OgClient, service_type: str, *, key: str, label: str = "Provider") -> ServiceInfo | None:
    """A provider picker whose choice survives page switches (persist_state) and can be preset by
    other pages (Discover's "Use in …") by writing the provider address to session_state[key]."""
    options = of_type(client, service_type)
    if not options:
        st.info(f"No {type_md(service_type)} provider is registered on this network. "
                "Try another network in the sidebar.", icon=":material/search_off:")
        return None
    by_addr = {s.provider: s for s in options}
    if st.session_state.get(key) not in by_addr:
        st.session_state.pop(key, None)
    addr = st.selectbox(label, list(by_addr), key=key, format_func=lambda a: service_label(by_addr[a]),
                        persist_state="session")
    return by_addr.get(addr)


def require(client: OgClient, service_type: str, *, key: str, label: str,
            note: Callable[[ServiceInfo], str] | None = None) -> ServiceInfo:
    """The page's provider picker (`pick`) with the model/price caption under it; stops the page when
    the network has no provider of this type. `note(svc)` is appended to the caption."""
    svc = pick(client, service_type, key=key, label=label)
    if svc is None:
        st.stop()
    st.caption(f"Model {model_md(svc)} · {price_text(svc)}{note(svc) if note else ''}")
    if svc.url_error:  # its on-chain URL is unusable: say so before anyone funds or asks it
        st.warning(f"This service can't be used: {inert(svc.url_error)}", icon=":material/link_off:")
    return svc


def select_address(label: str, addresses: Iterable[str], by_addr: Mapping[str, ServiceInfo], *, key: str) -> str:
    """A selectbox over provider addresses shown as "model · 0x1234…abcd" ("?" when the address is
    not a registered service)."""
    def option(a: str) -> str:
        return f"{clean(by_addr[a].model, limit=MODEL_CHARS) if a in by_addr else '?'} · {short_address(a)}"

    return st.selectbox(label, list(addresses), key=key, format_func=option)
