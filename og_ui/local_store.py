"""This session's way into the local store (og_core/store.py): the process's database and the scope of
the wallet in use. A read-only session (no key) has no scope, so it sees and writes nothing."""

from __future__ import annotations

import logging

import streamlit as st

from og_core import OgClient, OgError, Scope, Store, open_store
from og_ui import session

log = logging.getLogger(__name__)
ERROR_KEY = "ui_store_error"


def scope(client: OgClient) -> Scope | None:
    """(network, wallet) of this session's client; None when read-only."""
    if client.read_only or not client.address:
        return None
    _address, key, _source = session.wallet_key()
    return Scope(str(client.network), client.address, secrets=(key,) if key else ())


def store() -> Store | None:
    """The database (opened once per process); None, said once on the page, when it cannot be opened."""
    try:
        return open_store()
    except OgError as exc:
        if ERROR_KEY not in st.session_state:
            st.session_state[ERROR_KEY] = exc
            log.warning("local store unavailable: %s", exc.message)
        return None


def scoped(client: OgClient) -> tuple[Store, Scope] | None:
    """(store, scope) for a session with a wallet and a working store, else None."""
    where = scope(client)
    if where is None:
        return None
    db = store()
    return None if db is None else (db, where)


def show_problem() -> None:
    """Why nothing is kept, when the store could not be opened."""
    exc = st.session_state.get(ERROR_KEY)
    if exc is not None:
        st.warning(f"History is not kept on this computer: {exc.message} {exc.hint}", icon=":material/database:")
