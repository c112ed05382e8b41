"""The Chat page's conversation, kept in the local store (og_ui/local_store.py) per network and wallet:
which conversation is open (?chat=<id> in the URL), its messages loaded into the page's history
(og_ui/chat_stream.py's list of message dicts), each new turn written as it is kept, and the last turn
taken back for regenerate and edit-and-resend.

A message dict carries its store id as "_id" once written. Answers keep their cost, usage, timing and
verification (the raw answer body too, so Re-verify still compares bytes after a restart).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import streamlit as st

from og_core import (
    ChatResult,
    OgClient,
    OgError,
    Scope,
    Store,
    StoredMessage,
    Usage,
    VerificationResult,
    VerificationStatus,
)
from og_ui import chat_stream, local_store

log = logging.getLogger(__name__)
BOUND_KEY = "chat_bound"  # (scope, session id or None): whose conversation the history holds
URL_CHAT = "chat"


# ------------------------------------------------------------------ message dict <-> stored record
def _result_meta(r: ChatResult, db: Store) -> dict[str, Any]:
    meta = {f.name: getattr(r, f.name) for f in dataclasses.fields(r)
            if f.name not in ("text", "usage", "request_body", "response_body", "billing")}
    # billing (the fee-by-fee breakdown, exact fractions) is not kept: a reloaded answer shows its cost
    meta["usage"] = dataclasses.asdict(r.usage)
    meta["cost_wei"] = str(r.cost_wei)  # exact: JSON numbers are floats for some readers
    meta["request_body"] = r.request_body.decode("utf-8", "replace")
    meta["response_blob"] = db.put_blob(r.response_body) if r.response_body else None
    return meta


def _meta(msg: dict[str, Any], db: Store) -> dict[str, Any]:
    r: ChatResult | None = msg.get("result")
    if r is None:
        return {}
    v: VerificationResult | None = msg.get("verification")
    return {"result": _result_meta(r, db), "verification": None if v is None else dataclasses.asdict(v),
            "verify_error": msg.get("verify_error")}


def _message(stored: StoredMessage, db: Store) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": stored.role, "content": stored.content, "_id": stored.id}
    meta = stored.meta
    if meta.get("result"):
        r = dict(meta["result"])
        blob = r.pop("response_blob", None)
        msg["result"] = ChatResult(**{**r, "text": stored.content, "usage": Usage(**r["usage"]),
                                      "cost_wei": int(r["cost_wei"]), "request_body": r["request_body"].encode(),
                                      "response_body": (db.blob(blob) or b"") if blob else b""})
        v = meta.get("verification")
        msg["verification"] = None if v is None else VerificationResult(
            **{**v, "status": VerificationStatus(v["status"])})
        msg["verify_error"] = meta.get("verify_error")
    return msg


# ------------------------------------------------------------------ which conversation is open
def _url_session() -> int | None:
    raw = st.query_params.get(URL_CHAT, "")
    return int(raw) if raw.isdigit() else None


def bind(client: OgClient) -> list[dict[str, Any]]:
    """The open conversation's messages (chat_stream.messages()), loaded from the store when the wallet,
    network or chosen conversation changed: on the first run the one the URL names (if it is this
    wallet's), else this wallet's most recent one. Read-only: an empty history of this tab only."""
    where = local_store.scoped(client)
    bound = st.session_state.get(BOUND_KEY)
    scope = where[1] if where else None
    if bound is None or bound[0] != scope:
        sid: int | None = None
        if where is not None:
            db, scope = where
            wanted = _url_session() if bound is None else None
            known = db.sessions(scope)
            if wanted is not None and any(s.id == wanted for s in known):
                sid = wanted
            elif known:
                sid = known[0].id
        _load(where, sid)
    sid = st.session_state[BOUND_KEY][1]
    if sid is None:
        st.query_params.pop(URL_CHAT, None)
    elif st.query_params.get(URL_CHAT) != str(sid):
        st.query_params[URL_CHAT] = str(sid)
    return chat_stream.messages()


def _load(where: tuple[Store, Scope] | None, sid: int | None) -> None:
    chat_stream.clear()
    if where is not None and sid is not None:
        db, scope = where
        st.session_state[chat_stream.MESSAGES_KEY] = [_message(m, db) for m in db.messages(scope, sid)]
    st.session_state[BOUND_KEY] = (where[1] if where else None, sid)


def current() -> int | None:
    bound = st.session_state.get(BOUND_KEY)
    return None if bound is None else bound[1]


def open_session(client: OgClient, sid: int | None) -> None:
    """Show conversation `sid` (None: a new, empty one, written on its first message)."""
    _load(local_store.scoped(client), sid)


# ------------------------------------------------------------------ writing
def saver(client: OgClient, first_prompt: str) -> Callable[[list[dict[str, Any]]], None] | None:
    """Before a question is sent: the open conversation (created now, titled by the question, if it is
    new) and a function that writes kept messages into it. None when nothing is kept (read-only, or no
    store). The function only writes the database (no session_state: chat_stream keeps it whole)."""
    where = local_store.scoped(client)
    if where is None:
        return None
    db, scope = where
    sid = current()
    if sid is None:
        sid = db.create_session(scope, first_prompt)
        st.session_state[BOUND_KEY] = (scope, sid)
        st.query_params[URL_CHAT] = str(sid)

    def write(items: list[dict[str, Any]]) -> None:
        try:
            ids = db.add_messages(scope, sid, [(m["role"], m["content"], _meta(m, db)) for m in items])
        except OgError as exc:  # a full disk must not lose the answer on the page
            log.warning("could not keep chat messages: %s", exc.message)
            return
        for m, i in zip(items, ids, strict=False):
            m["_id"] = i

    return write


def update(client: OgClient, msg: dict[str, Any]) -> None:
    """Write a message's new verification (after Re-verify)."""
    where = local_store.scoped(client)
    if where is not None and msg.get("_id"):
        db, scope = where
        db.update_message_meta(scope, msg["_id"], _meta(msg, db))


def take_back_last_turn(client: OgClient) -> str | None:
    """Remove the last question and its answer (page and store) and return the question's text, for
    regenerate and edit-and-resend; None when there is no question."""
    history = chat_stream.messages()
    at = next((i for i in range(len(history) - 1, -1, -1) if history[i]["role"] == "user"), None)
    if at is None:
        return None
    prompt = str(history[at]["content"])
    where, sid = local_store.scoped(client), current()
    if where is not None and sid is not None and history[at].get("_id"):
        db, scope = where
        db.delete_messages_from(scope, sid, history[at]["_id"])
    del history[at:]
    return prompt


def clear(client: OgClient) -> None:
    """Empty the open conversation, on the page and in the store (it stays in the list, empty)."""
    where, sid = local_store.scoped(client), current()
    if where is not None and sid is not None:
        db, scope = where
        db.delete_messages_from(scope, sid)
    chat_stream.clear()
