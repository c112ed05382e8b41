"""The Chat page's conversations in the sidebar: new, switch, rename, delete and search — this wallet's
only (og_ui/chat_history.py); a read-only session has none."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from og_core import OgClient
from og_ui import chat_history, chat_stream, local_store
from og_ui.inert import inert

SHOWN = 30  # the newest conversations listed; search finds the others
DELETE_ASK_KEY = "chat_session_delete_asking"


def render(client: OgClient) -> None:
    with st.sidebar:
        st.subheader("Conversations", anchor=False)
        where = local_store.scoped(client)
        if where is None:
            local_store.show_problem()
            st.caption("Pick a wallet to keep conversations: they are kept on this computer per network and "
                       "wallet, and a read-only session has none.")
            return
        db, scope = where
        busy = chat_stream.busy()  # switching mid-answer would put it under another conversation
        if st.button("New chat", key="chat_session_new", icon=":material/add_comment:", disabled=busy,
                     width="stretch"):
            chat_history.open_session(client, None)
            st.rerun()
        search = st.text_input("Search conversations", key="chat_session_search", placeholder="a word or phrase")
        found = db.sessions(scope, search)
        current = chat_history.current()
        if search.strip() and not found:
            st.caption("No conversation of this wallet contains that.")
        for s in found[:SHOWN]:
            when = datetime.fromtimestamp(s.updated).strftime("%d %b %H:%M")
            if st.button(f"{inert(s.title, limit=60)} · {when}", key=f"chat_session_{s.id}", width="stretch",
                         type="primary" if s.id == current else "secondary", disabled=busy or s.id == current):
                chat_history.open_session(client, s.id)
                st.rerun()
        if len(found) > SHOWN:
            st.caption(f"{len(found) - SHOWN} older conversations: search to find them.")
        chosen = next((s for s in found if s.id == current), None) or db.session(scope, current or 0)
        if chosen is not None:
            _manage(client, chosen.id, chosen.title, busy=busy)


def _manage(client: OgClient, sid: int, title: str, *, busy: bool) -> None:
    """Rename or delete the open conversation (delete asks first)."""
    where = local_store.scoped(client)
    if where is None:
        return
    db, scope = where
    with st.expander("This conversation", icon=":material/settings:"):
        name = st.text_input("Name", value=title, key=f"chat_session_name_{sid}", max_chars=80)
        if st.button("Rename", key="chat_session_rename"):
            if name.strip():
                db.rename_session(scope, sid, name)
                st.rerun()
            st.warning("Type a name first.")
        if st.button("Delete conversation", key="chat_session_delete", icon=":material/delete:", disabled=busy):
            st.session_state[DELETE_ASK_KEY] = sid
        if st.session_state.get(DELETE_ASK_KEY) == sid:
            st.warning("Delete this conversation from this computer? This cannot be undone.")
            if st.button("Yes, delete it", key="chat_session_delete_yes", type="primary", disabled=busy):
                st.session_state.pop(DELETE_ASK_KEY, None)
                db.delete_session(scope, sid)
                chat_history.open_session(client, None)
                st.rerun()
