"""Chat: stream an answer from a chatbot provider, with cost, timing and TEE verification per answer."""

from __future__ import annotations

import json
from datetime import datetime

import streamlit as st

from og_core import ChatResult, OgError, VerificationResult, short_address
from og_ui import (
    chat_actions,
    chat_history,
    chat_prefs,
    chat_sessions,
    chat_stream,
    code_panel,
    costs,
    exports,
    funding,
    services,
    session,
)
from og_ui.inert import inert, literal
from og_ui.widgets import count_text, model_md, usage_caption, verification_badge

st.title("Chat")
client = session.require_client()
messages: list[dict] = chat_history.bind(client)  # this wallet's open conversation, from the store
chat_sessions.render(client)
chat_prefs.seed_provider("chat_provider")
svc = services.require(client, "chatbot", key="chat_provider", label="Chatbot provider",
                       note=lambda s: " · TEE verifiable" if s.verifiable else " · not TEE verifiable")
chat_prefs.keep_provider(svc)
saved = chat_prefs.settings(client)

with st.expander("Settings", icon=":material/tune:"):
    system = st.text_area("System prompt", key="chat_system", persist_state="session",
                          value=saved["system"], placeholder="e.g. You are a concise assistant.")
    c1, c2, c3 = st.columns(3)
    temperature = c1.slider("Temperature", 0.0, 2.0, saved["temperature"], 0.1, key="chat_temperature", persist_state="session")
    max_tokens = c2.number_input("Max tokens", 1, 4096, saved["max_tokens"], key="chat_max_tokens", persist_state="session")
    top_p = c3.slider("Top-p", 0.0, 1.0, saved["top_p"], 0.05, key="chat_top_p", persist_state="session")
chat_settings = {"system": system, "temperature": temperature, "max_tokens": int(max_tokens), "top_p": top_p}
chat_prefs.remember(client, chat_settings)

streaming = chat_stream.busy()
# While an answer streams nothing new can be sent: skip the readiness check (chain reads), so a click on
# Stop reaches the answer below sooner.
can_pay = not streaming and funding.gate(client, svc, key="chat")


def _verify(msg: dict) -> None:
    try:
        msg["verification"] = client.verify(msg["result"])
    except OgError as exc:
        msg["verification"] = None
        msg["verify_error"] = exc.message


def _show_meta(i: int, msg: dict) -> None:
    r: ChatResult = msg["result"]
    u = r.usage
    tokens = f"{count_text(u.prompt_tokens, 'prompt token')} + {count_text(u.completion_tokens, 'completion token')}"
    cost: int | None = r.cost_wei
    if (r.stopped or r.cut) and u.prompt_tokens + u.completion_tokens == 0:
        # The usage report comes last: an answer that ended early has none, and its cost is the
        # provider's to say (the local network bills nothing for it). Never claim "0 OG".
        tokens, cost = "usage not reported (the answer ended before the provider's usage report)", None
    st.caption(usage_caption(tokens=tokens, cost_wei=cost, latency_ms=r.latency_ms, ttft_ms=r.ttft_ms,
                             cost_text=costs.cost_line(r))
               + f" · {model_md(r.model)} @ {short_address(r.provider)}"
               + (" · stopped by you" if r.stopped else (f" · cut: {inert(r.cut_reason)}" if r.cut else "")))
    if cost is not None:
        costs.show_breakdown(r, key=f"chat_cost_{i}")
    c1, c2 = st.columns([4, 1])
    with c1:
        verification_badge(msg.get("verification"))
        if msg.get("verify_error"):
            st.caption(f"Could not verify: {inert(msg['verify_error'])}")
    if c2.button("Re-verify", key=f"chat_reverify_{i}", icon=":material/refresh:"):
        _verify(msg)
        chat_history.update(client, msg)
        st.rerun()


for i, msg in enumerate(messages):
    with st.chat_message(msg["role"]):
        if msg["role"] == "assistant":
            chat_stream.show_answer(msg["content"], key=f"chat_answer_{i}")
            if msg.get("result") is not None:
                _show_meta(i, msg)
        else:
            literal(msg["content"])  # prompts as typed, like the answers (og_ui/chat_stream.py)

chat_actions.last_turn(client, svc, chat_settings, enabled=can_pay and not streaming)
if can_pay:
    chat_actions.cost_before_sending(client, svc, chat_settings)  # the estimate, or the held message's choice
if streaming:
    placeholder = "Wait for the answer (or press Stop under it)"
elif can_pay:
    placeholder = "Ask something…"
elif client.read_only:  # nothing to fund without a wallet: say what is missing first
    placeholder = "Pick or paste a wallet in the sidebar to chat"
else:
    placeholder = "Fund the provider above to chat"
# The answer streams in a background job (og_ui/chat_stream.py): a rerun never cuts it off, and our Stop
# button under it ends it and keeps what arrived with its cost and verification.
prompt = st.chat_input(placeholder, key="chat_input", submit_mode="disable", disabled=not can_pay or streaming)
if prompt is not None and can_pay:
    text = prompt if isinstance(prompt, str) else getattr(prompt, "text", "")
    if not text.strip():
        st.warning("Type a message first: an empty prompt is not sent.", icon=":material/edit:")
    elif streaming:
        st.info("An answer is still arriving: wait for it or press Stop, then ask again. Nothing was sent.",
                icon=":material/hourglass_top:")
    else:
        chat_actions.ask(client, svc, text, chat_settings)
chat_stream.follow()

# ----------------------------------------------------------------- tools
if messages:
    st.divider()
    t1, t2, t3 = st.columns(3)
    chat_actions.clear_button(client, t1, disabled=streaming)

    def _meta(m: dict) -> dict:
        r: ChatResult | None = m.get("result")
        v: VerificationResult | None = m.get("verification")
        if r is None:
            return {}
        return {"provider": r.provider, "model": r.model, "chat_id": r.chat_id,
                "usage": {"prompt_tokens": r.usage.prompt_tokens, "completion_tokens": r.usage.completion_tokens},
                "cost_og": str(r.cost_og), "latency_ms": round(r.latency_ms, 1),
                "ttft_ms": None if r.ttft_ms is None else round(r.ttft_ms, 1),
                "verification": None if v is None else {"status": str(v.status), "reason": v.reason,
                                                        "signer": v.expected_signer}}

    def _markdown() -> str:
        return exports.chat_markdown(messages)  # each message fenced: provider text never becomes markup

    def _json() -> str:
        return json.dumps([{"role": m["role"], "content": m["content"], **_meta(m)} for m in messages], indent=2)

    # Built only when clicked (an answer can be megabytes long): not on every rerun.
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    t2.download_button("Export Markdown", _markdown, file_name=f"chat-{stamp}.md", mime="text/markdown",
                       key="chat_export_md", icon=":material/download:", on_click="ignore")
    t3.download_button("Export JSON", _json, file_name=f"chat-{stamp}.json", mime="application/json",
                       key="chat_export_json", icon=":material/data_object:", on_click="ignore")
    last = next((m["result"] for m in reversed(messages) if m.get("result") is not None), None)
    code_panel.show(client, last, key="chat")  # full width, below the tools: a long script reads whole
else:
    st.caption(("Your conversations are kept on this computer for this wallet (the list is in the sidebar). "
                if not client.read_only else "") + "Answers stream in; the Stop button under an answer ends it "
               "early (you pay only for what arrived).")
