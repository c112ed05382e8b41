"""What the Chat page does with the conversation: ask (the whole history plus the new question),
regenerate the last answer, edit and resend the last question, and clear after asking first — as
0G's own chat offers. Everything goes through chat_stream (the answer's job) and chat_history (the
store)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from og_core import OgClient, ServiceInfo
from og_ui import chat_history, chat_stream, costs

CLEAR_ASK_KEY = "chat_clear_asking"


def _api(settings: dict[str, Any], history: list[dict[str, Any]], text: str | None) -> list[dict[str, Any]]:
    """What is sent: the system prompt, the conversation `history`, then `text` (when given)."""
    system = str(settings.get("system", ""))
    return ([{"role": "system", "content": system}] if system.strip() else []) + [
        {"role": m["role"], "content": m["content"]} for m in history] + (
        [{"role": "user", "content": text}] if text is not None else [])


def _before_last_turn() -> list[dict[str, Any]]:
    history = chat_stream.messages()
    at = next((i for i in range(len(history) - 1, -1, -1) if history[i]["role"] == "user"), len(history))
    return history[:at]


def ask(client: OgClient, svc: ServiceInfo, text: str, settings: dict[str, Any], *,
        replace_last: bool = False) -> bool:
    """Send `text` after the open conversation (replace_last: in place of its last turn), with the page's
    settings (system prompt, temperature, max tokens, top-p) — or hold it when its prompt would be billed
    in a dearer tier (og_ui/costs.py: the user chooses). False when nothing was sent now."""
    history = _before_last_turn() if replace_last else chat_stream.messages()
    estimate = costs.estimate_chat(client, svc, _api(settings, history, text), int(settings["max_tokens"]))
    if costs.send_or_hold(costs.CHAT, {svc.provider: estimate}, {"prompt": text, "replace_last": replace_last},
                          lambda request: _send(client, svc, settings, request)):
        return True
    st.rerun()  # held: the next run draws its choice above the message box
    return False  # not reached


def _send(client: OgClient, svc: ServiceInfo, settings: dict[str, Any], request: dict[str, Any]) -> bool:
    text = str(request["prompt"])
    if request.get("replace_last") and chat_history.take_back_last_turn(client) is None:
        return False
    return chat_stream.start(client, svc, _api(settings, chat_stream.messages(), text), prompt=text,
                             on_kept=chat_history.saver(client, text), temperature=settings["temperature"],
                             max_tokens=int(settings["max_tokens"]), top_p=settings["top_p"])


def cost_before_sending(client: OgClient, svc: ServiceInfo, settings: dict[str, Any]) -> None:
    """A held message's "Send anyway" / "Don't send", else the estimate for the next message."""
    costs.held_choice(costs.CHAT, lambda request: _send(client, svc, settings, request),
                      names={svc.provider: svc.model})
    if not costs.is_held(costs.CHAT):
        costs.show_estimate(costs.estimate_chat(client, svc, _api(settings, chat_stream.messages(), None),
                                                int(settings["max_tokens"])), what="the next message")


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
    question = next((m["content"] for m in reversed(chat_stream.messages()) if m["role"] == "user"), None)
    if question is not None:  # the last turn is taken back only when it is really sent again
        ask(client, svc, text if text is not None else str(question), settings, replace_last=True)


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
        costs.forget(costs.CHAT)  # a new conversation: its dearer tiers are asked about again
        st.rerun()
    if c2.button("Cancel", key="chat_clear_no"):
        st.session_state.pop(CLEAR_ASK_KEY, None)
        st.rerun()
