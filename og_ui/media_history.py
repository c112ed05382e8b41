"""The media pages' history in the local store (og_ui/local_store.py), per network and wallet: the image
gallery (text-to-image and image editing) and the transcripts. A read-only session keeps none."""

from __future__ import annotations

import json
import logging
from typing import Any

import streamlit as st

from og_core import OgClient, OgError, Scope, Store, TranscriptResult, VerificationResult
from og_ui import local_store
from og_ui.inert import inert
from og_ui.widgets import og_text

log = logging.getLogger(__name__)
IMAGE_KINDS = ("generated", "edited")
TRANSCRIPT = "transcript"
TRANSCRIPTS_SHOWN = 20


def _verification(v: VerificationResult | None) -> str | None:
    return None if v is None else str(v.status)


def load_gallery(where: tuple[Store, Scope] | None, limit: int) -> list[dict[str, Any]]:
    """This wallet's newest `limit` gallery images, oldest first, as the gallery's items."""
    if where is None:
        return []
    db, scope = where
    return [{"id": m.id, "prompt": m.title, "png": m.data, "model": m.meta.get("model", ""), "kind": m.kind,
             "time": m.created}
            for m in db.media(scope, IMAGE_KINDS, limit=limit) if m.data is not None]


def keep_image(where: tuple[Store, Scope], png: bytes, *, prompt: str, model: str, kind: str) -> int | None:
    """One image into the store; its id there (None when it could not be written)."""
    db, scope = where
    try:
        return db.add_media(scope, kind, title=prompt, data=png, meta={"model": model})
    except OgError as exc:  # a full disk must not lose the image on the page
        log.warning("could not keep an image: %s", exc.message)
        return None


def keep_transcript(client: OgClient, record: dict[str, Any]) -> None:
    """A finished transcription (media.start's on_done) into the store: name, text, cost, verification."""
    where = local_store.scoped(client)
    if where is None:
        return
    db, scope = where
    r: TranscriptResult = record["result"]
    try:
        db.add_media(scope, TRANSCRIPT, title=record.get("name", "audio"), text=r.text,
                     meta={"model": r.model, "provider": r.provider, "cost_wei": str(r.cost_wei),
                           "verification": _verification(record.get("verification"))})
    except OgError as exc:
        log.warning("could not keep a transcript: %s", exc.message)


def show_transcripts(client: OgClient) -> None:
    """This wallet's earlier transcripts, newest first, each with its text and a download."""
    where = local_store.scoped(client)
    if where is None:
        return
    db, scope = where
    items = db.media(scope, [TRANSCRIPT], limit=TRANSCRIPTS_SHOWN)
    if not items:
        return
    with st.expander(f"Earlier transcripts of this wallet (newest {len(items)})", icon=":material/history:"):
        for item in reversed(items):
            cost = item.meta.get("cost_wei")
            st.markdown(f"**{inert(item.title)}** · {og_text(int(cost)) if cost else 'cost unknown'}"
                        f" · verification: {inert(item.meta.get('verification') or 'not checked')}")
            st.code(item.text or "(no speech recognised)", language=None, wrap_lines=True)
            st.download_button("Download .json", json.dumps({"name": item.title, "text": item.text, **item.meta}),
                               file_name=f"transcript-{item.id}.json", mime="application/json",
                               key=f"stt_history_dl_{item.id}", icon=":material/download:", on_click="ignore")
