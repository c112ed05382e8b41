"""The Chat page's choices that outlive a reload: the provider in the URL (?provider=0x…) and the chat
settings (system prompt, temperature, max tokens, top-p) in the local store, per network and wallet."""

from __future__ import annotations

from typing import Any

import streamlit as st

from og_core import OgClient, ServiceInfo
from og_ui import local_store

URL_PROVIDER = "provider"
SETTING = "chat"
DEFAULTS: dict[str, Any] = {"system": "", "temperature": 0.7, "max_tokens": 512, "top_p": 1.0}
LIMITS = {"temperature": (0.0, 2.0), "max_tokens": (1, 4096), "top_p": (0.0, 1.0)}
WIDGETS = {name: f"chat_{name}" for name in DEFAULTS}  # the widget keys on the page
SAVED_KEY = "chat_prefs_saved"  # (scope, saved settings) of this session


def seed_provider(key: str) -> None:
    """Once per session, before the picker: the provider the URL names (the picker drops an unknown one)."""
    if "chat_prefs_seeded" not in st.session_state:
        st.session_state["chat_prefs_seeded"] = True
        named = st.query_params.get(URL_PROVIDER, "")
        if named and key not in st.session_state:
            st.session_state[key] = named


def keep_provider(svc: ServiceInfo) -> None:
    if st.query_params.get(URL_PROVIDER) != svc.provider:
        st.query_params[URL_PROVIDER] = svc.provider


def _valid(saved: Any) -> dict[str, Any]:
    """The saved settings, each checked against its widget's range (a bad value falls back)."""
    values = dict(DEFAULTS)
    if not isinstance(saved, dict):
        return values
    for name, default in DEFAULTS.items():
        value = saved.get(name)
        if isinstance(default, str) and isinstance(value, str):
            values[name] = value
        elif isinstance(value, int | float) and not isinstance(value, bool) and name in LIMITS:
            lo, hi = LIMITS[name]
            if lo <= value <= hi:
                values[name] = type(default)(value)
    return values


def settings(client: OgClient) -> dict[str, Any]:
    """This wallet's saved chat settings (defaults for a read-only session). After a wallet switch the
    widgets start again from the new wallet's values."""
    where = local_store.scoped(client)
    scope = where[1] if where else None
    cached = st.session_state.get(SAVED_KEY)
    if cached is None or cached[0] != scope:
        saved = _valid(where[0].settings(where[1]).get(SETTING)) if where else dict(DEFAULTS)
        if cached is not None:  # another wallet's values are in the widgets: let them start over
            for key in WIDGETS.values():
                st.session_state.pop(key, None)
        st.session_state[SAVED_KEY] = cached = (scope, saved)
    return dict(cached[1])


def remember(client: OgClient, values: dict[str, Any]) -> None:
    """After the widgets: write the settings when they changed."""
    cached = st.session_state.get(SAVED_KEY)
    where = local_store.scoped(client)
    if where is None or cached is None or cached[0] != where[1] or cached[1] == values:
        return
    db, scope = where
    db.set_setting(scope, SETTING, values)
    st.session_state[SAVED_KEY] = (scope, dict(values))
