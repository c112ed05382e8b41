"""Compare: one prompt to 2–3 chatbot providers side by side (answer, cost, latency, verification)."""

from __future__ import annotations

import streamlit as st

from og_ui import chat_stream, compare, costs, funding, media, session
from og_ui.inert import inert
from og_ui.services import of_type
from og_ui.widgets import model_md, price_text, service_label, show_error, usage_caption, verification_badge

st.title("Compare providers")
st.caption("Send the same prompt to 2–3 chatbot providers at once and compare answers, cost, speed and "
           "verification.")
client = session.require_client()
chatbots = {s.provider: s for s in of_type(client, "chatbot")}
if len(chatbots) < 2:
    st.info("Comparing needs at least two chatbot providers; this network has "
            f"{len(chatbots)}. Switch network in the sidebar.", icon=":material/compare_arrows:")
    st.stop()

chosen = st.multiselect("Providers (2–3)", list(chatbots), default=list(chatbots)[:3], max_selections=3,
                        key="cmp_providers", format_func=lambda a: service_label(chatbots[a]))
prompt = st.text_area("Prompt", key="cmp_prompt", placeholder="e.g. Explain what a TEE is in two sentences.")
max_tokens = st.number_input("Max tokens per answer", 1, 2048, 256, key="cmp_max_tokens")

ready = {}
estimates = {addr: costs.estimate_chat(client, chatbots[addr], [{"role": "user", "content": prompt}], int(max_tokens))
             for addr in chosen} if prompt.strip() else {}
if chosen and not funding.has_ledger(client):
    funding.gate(client, chatbots[chosen[0]], key="cmp_ledger")  # one "read-only" / "create a ledger" box
    ready = {addr: False for addr in chosen}
elif chosen:
    states = [funding.readiness(client, chatbots[addr]) for addr in chosen]
    if all(states):  # one deposit for every top-up the ledger cannot pay yet
        funding.deposit_offer(client, sum(r.suggested_top_up_wei for r in states if r is not None),
                              states[0].ledger_available_wei if states[0] else 0, key="cmp",
                              what=f"funding the {len(chosen)} providers below")
    cols = st.columns(len(chosen))
    for col, addr, state in zip(cols, chosen, states, strict=True):
        with col:
            st.markdown(f"**{model_md(chatbots[addr])}**")
            st.caption(price_text(chatbots[addr]))
            if addr in estimates:
                costs.show_estimate(estimates[addr], what="this prompt")
            ready[addr] = state is not None and funding.gate(client, chatbots[addr], key=f"cmp_{addr[2:10]}",
                                                             deposit=False, ready=state)



def _send(request: dict) -> None:
    compare.start(client, [chatbots[a] for a in request["providers"]], request["prompt"],
                  max_tokens=request["max_tokens"])


running = media.busy(compare.KEY)
if st.button("Run comparison", key="cmp_run", type="primary", icon=":material/play_arrow:", disabled=running,
             help="Comparing… the answers appear below." if running else None):
    if len(chosen) < 2:
        st.warning("Pick at least two providers to compare.", icon=":material/rule:")
    elif not prompt.strip():
        st.warning("Type a prompt first: an empty prompt is not sent.", icon=":material/edit:")
    elif not all(ready.values()):
        st.warning("Fund every selected provider first (boxes above) — nothing was sent.", icon=":material/payments:")
    else:
        costs.send_or_hold(compare.KEY, estimates, {"providers": list(chosen), "prompt": prompt,
                                                    "max_tokens": int(max_tokens)}, _send)
costs.held_choice(compare.KEY, _send, names={a: chatbots[a].model for a in chosen})
media.follow(compare.KEY)
media.show_failure(compare.KEY)

res = st.session_state.get(compare.RESULTS_KEY)
if res:
    st.divider()
    st.markdown(f"**Prompt:** {inert(res['prompt'], limit=500)}")
    cols = st.columns(len(res["result"]))
    for col, (addr, r, v, err) in zip(cols, res["result"], strict=True):
        with col, st.container(border=True):
            st.markdown(f"**{model_md(chatbots[addr]) if addr in chatbots else addr}**")
            if err is not None:
                show_error(err)
                continue
            chat_stream.show_answer(r.text, key=f"cmp_answer_{addr}")  # plain text, bounded
            st.caption(usage_caption(tokens=r.usage.total_tokens, cost_wei=r.cost_wei,
                                     latency_ms=r.latency_ms, cost_text=costs.cost_line(r)))
            costs.show_breakdown(r, key=f"cmp_cost_{addr}")
            verification_badge(v)
    ok = [row for row in res["result"] if row[1] is not None]
    if len(ok) >= 2:
        cheapest = min(ok, key=lambda row: row[1].cost_wei)
        fastest = min(ok, key=lambda row: row[1].latency_ms)
        st.caption(f"Cheapest: {model_md(chatbots[cheapest[0]])} · fastest: {model_md(chatbots[fastest[0]])}")
else:
    st.caption("Results appear here side by side. Each answer is paid from your sub-account with that provider.")
