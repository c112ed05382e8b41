"""Wallet & ledger: balances, per-provider accounts with refunds, every money-moving action, API keys,
transaction history, and local dev controls (faucet, advance time)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from og_core import (
    Network,
    OgError,
    format_balance,
    format_exact,
    format_og,
    format_utc,
    short_address,
    usable_wei,
)
from og_ui import session, tx, tx_history, wallets
from og_ui.inert import cell
from og_ui.services import select_address, services, type_text
from og_ui.widgets import MODEL_CHARS, queue_toast, show_error

st.title("Wallet & ledger")
st.caption("Your wallet pays gas; the ledger holds OG for inference; each provider you use gets a "
           "sub-account funded from the ledger.")
client = session.require_client(wallet=True)

try:
    view = client.ledger()
except OgError as exc:
    show_error(exc)
    st.stop()

busy = tx.busy_reason(client)  # the frame's notice (og_ui.tx.render) says why, above the page

svc_by_addr = {s.provider: s for s in services(client)}
local = client.local  # developer controls; None off the local network
try:
    now = client.chain_time()  # refund locks run on chain time, on every network
except OgError as exc:
    show_error(exc)
    st.stop()


def _countdown(unlocks_at: int) -> str:
    left = unlocks_at - now
    if left <= 0:
        return "unlocked — collect it"
    h, rem = divmod(left, 3600)
    return f"unlocks in {h} h {rem // 60} min"


def _exact(wei: int) -> str:
    return f"Exactly {format_exact(wei)}."


unlocks = view.refund_unlocks()
# Two cards sized to their values, in a wrapping row: the wallet (pays gas) and the ledger (pays
# inference). Fixed columns cut values ("9,994.99…") on narrow windows; a card moves down instead.
with st.container(horizontal=True, gap="medium", key="wallet_metrics"):
    with st.container(border=True, width="content"):
        st.metric("Wallet", format_balance(view.wallet_balance_wei), width="content",
                  help=f"Native OG in your wallet (pays gas). {_exact(view.wallet_balance_wei)}")
    with st.container(border=True, width="content"), st.container(horizontal=True, gap="medium"):
        st.metric("Ledger total", format_balance(view.total_wei), width="content",
                  help=f"Available + locked. {_exact(view.total_wei)}")
        st.metric("Ledger available", format_balance(view.available_wei), width="content",
                  help=f"Free to fund providers or withdraw. {_exact(view.available_wei)}")
        st.metric("Locked with providers", format_balance(view.locked_wei), width="content",
                  help=f"In provider sub-accounts (pending refunds included): total − available. "
                       f"{_exact(view.locked_wei)}")
        with st.container(width="content", gap=None):  # the unlock caption stays under its metric
            st.metric("Pending refunds", format_balance(view.pending_refund_wei), width="content",
                      help="Asked back from providers; collect them on the Refunds tab once unlocked. "
                           + _exact(view.pending_refund_wei))
            if unlocks:
                ready = sum(1 for t in unlocks if t <= now)
                st.caption(f"{ready} of {len(unlocks)} unlocked" if ready else f"next {_countdown(unlocks[0])}")


# ----------------------------------------------------------------- provider sub-accounts
st.subheader("Provider accounts")
if not view.exists:
    st.info(f"You have no ledger yet. Create one below with at least {format_og(view.min_ledger_wei)}; "
            "then fund a provider to start using it.", icon=":material/account_balance:")
elif not view.providers:
    st.info("No provider is funded yet. Use **Fund a provider** below (a new provider needs at least "
            f"{format_og(view.min_first_transfer_wei)}).", icon=":material/info:")
else:
    rows = []
    for p in view.providers:
        s = svc_by_addr.get(p.provider)
        pending = "; ".join(f"{format_balance(r.amount_wei)} {_countdown(r.unlocks_at)}" for r in p.refunds
                            if not r.processed) or "—"
        service = f"{cell(s.model, limit=MODEL_CHARS)} ({type_text(s.service_type)})" if s else "?"
        rows.append({"provider": short_address(p.provider), "service": service,
                     "balance": format_balance(p.balance_wei), "usable": format_balance(usable_wei(
                         p.balance_wei, pending_refund_wei=p.pending_refund_wei, unsettled_wei=None)),
                     "pending refunds": pending})
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="wallet_providers_table", column_config={
        "usable": st.column_config.TextColumn(
            "usable", help="What pays for requests: balance − pending refunds − the 1 OG the provider keeps in "
                           "reserve − fees it has not settled yet (Chat and the media pages ask the provider for "
                           "those before each request; they are usually tiny).")})

# ----------------------------------------------------------------- actions
# Stateful tabs (key + on_change): the server sends the chosen tab back on every run, so the rerun after
# a transaction (or the notice above appearing) keeps the user where they were instead of on Deposit.
tabs = st.tabs(["Deposit", "Withdraw", "Fund a provider", "Refunds", "Top-up", "API keys", "History"]
               + (["Local dev tools"] if local is not None else []), key="wallet_tab", on_change="rerun")

with tabs[0]:
    label = "Deposit into the ledger" if view.exists else "Create the ledger"
    st.caption("Moves OG from your wallet into your ledger." if view.exists else
               f"Creates your ledger with a first deposit (at least {format_og(view.min_ledger_wei)}).")
    amount = st.text_input("Amount (OG)", value="5" if not view.exists else "1", key="wallet_deposit_amount")
    if st.button(label, key="wallet_deposit_btn", type="primary", disabled=busy is not None):
        tx.request(client, lambda: client.plan_deposit(amount))

with tabs[1]:
    st.caption("Moves available OG from the ledger back to your wallet. What remains must be 0 or at least "
               f"{format_og(view.min_ledger_wei)}.")
    amount = st.text_input("Amount (OG)", value="1", key="wallet_withdraw_amount")
    if st.button("Withdraw to wallet", key="wallet_withdraw_btn", disabled=busy is not None or not view.exists):
        tx.request(client, lambda: client.plan_withdraw(amount))

with tabs[2]:
    if not svc_by_addr:
        st.info("No provider is registered on this network.")
    else:
        provider = select_address("Provider", svc_by_addr, svc_by_addr, key="wallet_fund_provider")
        pasted = st.text_input("…or paste a provider address", key="wallet_fund_address",
                               placeholder="0x… (40 hex characters)")
        amount = st.text_input("Amount (OG)", value="2", key="wallet_fund_amount",
                               help="Providers keep 1 OG in reserve: 2 OG leaves 1 OG usable for requests.")
        if st.button("Fund provider", key="wallet_fund_btn", type="primary",
                     disabled=busy is not None or not view.exists):
            target = pasted.strip() or provider
            if not wallets.is_address(target):
                st.error("That is not a provider address: it must be 0x followed by 40 hexadecimal characters.",
                         icon=":material/error:")
            else:
                tx.request(client, lambda: client.plan_fund_provider(target, amount))
        if not view.exists:
            st.caption("Create the ledger first (Deposit tab).")

with tabs[3]:
    st.caption(f"A refund moves a provider balance back to your ledger after a lock time of "
               f"{view.lock_time_s // 3600} h. Request it, wait, then collect.")
    funded = [p for p in view.providers if p.balance_wei > 0]
    if not funded:
        st.info("No provider holds any of your OG, so there is nothing to refund.")
    else:
        chosen = select_address("Provider", [p.provider for p in funded], svc_by_addr, key="wallet_refund_provider")
        if st.button("Request refund", key="wallet_refund_btn", disabled=busy is not None):
            tx.request(client, lambda: client.plan_retrieve([chosen]))
        unlocked = [p.provider for p in funded if any(not r.processed and r.unlocks_at <= now for r in p.refunds)]
        if st.button(f"Collect unlocked refunds ({len(unlocked)})", key="wallet_collect_btn",
                     disabled=busy is not None or not unlocked):
            tx.request(client, lambda: client.plan_retrieve(unlocked))
        if not unlocked:
            st.caption("Nothing is unlocked yet." + (" On the local network, *Local dev tools → Advance time* "
                                                     "skips the wait." if client.network == Network.LOCAL else ""))

with tabs[4]:
    st.caption("Bring what a provider can use for your requests (after its 1 OG reserve and the fees it has not "
               "settled yet) up to a target, never more than a cap. You confirm every top-up; nothing runs on its own.")
    if svc_by_addr:
        provider = select_address("Provider", svc_by_addr, svc_by_addr, key="wallet_topup_provider")
        c1, c2 = st.columns(2)
        target = c1.text_input("Target (OG)", value="2", key="wallet_topup_target")
        cap = c2.text_input("Cap (OG)", value="5", key="wallet_topup_cap")
        if st.button("Plan top-up", key="wallet_topup_btn", disabled=busy is not None or not view.exists):
            tx.request(client, lambda: client.plan_top_up(provider, target_og=target, cap_og=cap))

with tabs[5]:
    st.caption("Persistent API keys let other programs call a provider on your behalf (billed to your "
               "sub-account). A key is shown once; revoking it is a transaction.")
    if svc_by_addr:
        provider = select_address("Provider", svc_by_addr, svc_by_addr, key="wallet_key_provider")
        days = st.number_input("Expires after (days)", min_value=1, max_value=365, value=30, key="wallet_key_days")
        if st.button("Create API key", key="wallet_key_create"):
            try:
                st.session_state["wallet_new_key"] = client.api_keys.create(provider, expires_in_s=int(days) * 86400)
            except OgError as exc:
                show_error(exc)
        new = st.session_state.get("wallet_new_key")
        if new is not None:
            with st.container(border=True):
                st.success(f"API key #{new.info.token_id} for {short_address(new.info.provider)} created. It is shown "
                           "only here, once: copy or download it now.", icon=":material/key:")
                # The key reaches the page only when asked for (a screen share or a screenshot shows
                # no secret by accident); it is never logged.
                if st.toggle("Show the key to copy it", key="wallet_key_show"):
                    st.code(new.token, language=None, wrap_lines=True)
                st.download_button("Download the key (.txt)", new.token, file_name=f"0g-api-key-{new.info.token_id}.txt",
                                   key="wallet_key_download", icon=":material/download:")
                key_svc = svc_by_addr.get(new.info.provider)
                base, model = (key_svc.url, key_svc.model) if key_svc else ("<provider URL>", "<model>")
                st.caption("Use it from any OpenAI-compatible client: `base_url` is the provider's `/v1/proxy`, "
                           "`api_key` is this key (keep it in an environment variable, not in code).")
                # quoted as string literals: the URL and model are the provider's words, and a quote in
                # them must not become code in a snippet people paste and run
                st.code(f'import os\nfrom openai import OpenAI\n\nclient = OpenAI(base_url={json.dumps(base + "/v1/proxy")}, '
                        f'api_key=os.environ["OG_API_KEY"])  # the key above\n'
                        f'reply = client.chat.completions.create(model={json.dumps(model)}, '
                        'messages=[{"role": "user", "content": "Hello"}])', language="python")
                if st.button("I saved it — forget it", key="wallet_key_forget"):
                    st.session_state.pop("wallet_new_key", None)
                    st.session_state.pop("wallet_key_show", None)
                    st.rerun()
        try:
            keys = client.api_keys.list()
        except OgError as exc:
            show_error(exc)
            keys = []
        if keys:
            st.dataframe(pd.DataFrame([{
                "provider": short_address(k.provider), "id": k.token_id,
                "created": format_utc(k.created_at // 1000),
                "expires": "never" if not k.expires_at else format_utc(k.expires_at // 1000),
                "revoked": k.revoked} for k in keys]), hide_index=True, key="wallet_keys_table")
            live = [k for k in keys if not k.revoked]
            if live:
                pick = st.selectbox("Key to revoke", range(len(live)), key="wallet_key_revoke_pick",
                                    format_func=lambda i: f"#{live[i].token_id} · {short_address(live[i].provider)}")
                c1, c2 = st.columns(2)
                if c1.button("Revoke this key", key="wallet_key_revoke", disabled=busy is not None):
                    k = live[pick]
                    tx.request(client, lambda: client.api_keys.plan_revoke(k.provider, k.token_id))
                if c2.button("Revoke all keys of this provider", key="wallet_key_revoke_all", disabled=busy is not None):
                    k = live[pick]
                    tx.request(client, lambda: client.api_keys.plan_revoke_all(k.provider))
        else:
            st.caption("No API key created in this session.")

with tabs[6]:
    tx_history.show(client)

if local is not None:
    with tabs[7]:
        st.caption("Only on the local network: these call the local chain's developer RPC methods.")
        c1, c2 = st.columns(2)
        with c1:
            amount = st.text_input("Faucet amount (OG)", value="100", key="wallet_faucet_amount")
            if st.button("Get demo OG", key="wallet_faucet_btn", icon=":material/water_drop:"):
                try:
                    balance = local.faucet(view.address, amount)
                    queue_toast(f"Wallet balance is now {format_balance(balance)}.", ":material/water_drop:")
                    st.rerun()
                except OgError as exc:
                    show_error(exc)
        with c2:
            hours = st.number_input("Advance the chain clock by (hours)", min_value=1, max_value=24 * 30,
                                    value=max(1, view.lock_time_s // 3600 + 1), key="wallet_advance_hours")
            if st.button("Advance time", key="wallet_advance_btn", icon=":material/fast_forward:"):
                try:
                    t = local.advance_time(int(hours) * 3600)
                    queue_toast(f"Chain time is now {format_utc(t)}.",
                                ":material/fast_forward:")
                    st.rerun()
                except OgError as exc:
                    show_error(exc)
