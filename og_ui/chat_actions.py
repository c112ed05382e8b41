"""What the Chat page does with the conversation: ask (the whole history plus the new question),
regenerate the last answer, edit and resend the last question, and clear after asking first — as
0G's own chat offers. Everything goes through chat_stream (the answer's job) and chat_history (the
store)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from og_core import OgClient, ServiceInfo
from og_ui import chat_history, chat_stream

CLEAR_ASK_KEY = "chat_clear_asking"


def ask(client: OgClient, svc: ServiceInfo, text: str, settings: dict[str, Any]) -> bool:
    """Send `text` after the open conversation, with the page's settings (system prompt, temperature,
    max tokens, top-p). False when an answer is still streaming."""
    system = str(settings.get("system", ""))
    api = ([{"role": "system", "content": system}] if system.strip() else []) + [
        {"role": m["role"], "content": m["content"]} for m in chat_stream.messages()] + [
        {"role": "user", "content": text}]
    return chat_stream.start(client, svc, api, prompt=text, on_kept=chat_history.saver(client, text),
                             temperature=settings["temperature"], max_tokens=int(settings["max_tokens"]),
                             top_p=settings["top_p"])


def last_turn(client: OgClient, svc: ServiceInfo, settings: dict[str, Any], *, enabled: bool) -> None:
    """Regenerate the last answer, or edit the last question and send it again (both replace the last
    turn, on the page and in the store)."""
    history = chat_stream.messages()
    last_question = next((m["content"] for m in reversed(history) if m["role"] == "user"), None)
    if last_question is None:
        return
    c1, c2, _ = st.columns([1, 1, 4])
    if c1.button("Regenerate", key="chat_regenerate", icon=":material/autorenew:", disabled=not enabled,
                 help="Ask the last question again; the new answer replaces the last one."):
        _resend(client, svc, settings, None)
    with c2.popover("Edit last message", icon=":material/edit:", disabled=not enabled):
        edited = st.text_area("Your last message", value=last_question, key=f"chat_edit_{len(history)}")
        if st.button("Send edited message", key="chat_edit_send", icon=":material/send:", type="primary"):
            if not edited.strip():
                st.warning("Type a message first: an empty prompt is not sent.", icon=":material/edit:")
            else:
                _resend(client, svc, settings, edited)


def _resend(client: OgClient, svc: ServiceInfo, settings: dict[str, Any], text: str | None) -> None:
    if chat_stream.busy():
        st.info("An answer is still arriving: wait for it or press Stop. Nothing was sent.",
                icon=":material/hourglass_top:")
        return
    question = chat_history.take_back_last_turn(client)
    if question is not None:
        ask(client, svc, text if text is not None else question, settings)


def clear_button(client: OgClient, where: Any, *, disabled: bool) -> None:
    """"Clear chat", which asks before it deletes anything."""
    if where.button("Clear chat", key="chat_clear", icon=":material/delete:", disabled=disabled):
        st.session_state[CLEAR_ASK_KEY] = True
    if not st.session_state.get(CLEAR_ASK_KEY):
        return
    st.warning("Clear this conversation? Its messages are deleted from this computer; this cannot be undone.",
               icon=":material/delete:")
    c1, c2, _ = st.columns([1, 1, 4])
    if c1.button("Yes, clear it", key="chat_clear_yes", type="primary", disabled=disabled):
        st.session_state.pop(CLEAR_ASK_KEY, None)
        chat_history.clear(client)
        st.rerun()
    if c2.button("Cancel", key="chat_clear_no"):
        st.session_state.pop(CLEAR_ASK_KEY, None)
        st.rerun()
