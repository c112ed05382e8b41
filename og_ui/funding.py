""""Is this provider funded?" and the in-place offer to fund it. Nothing is ever funded silently:
the offer opens the same confirmation dialog as the Wallet page."""

from __future__ import annotations

import streamlit as st

from og_core import OgClient, OgError, ProviderError, ServiceInfo, format_og
from og_ui import tx
from og_ui.widgets import show_error

# provider error kinds that mean "your sub-account with this provider is missing or empty"
FUNDING_KINDS = {"insufficient_balance", "no_account", "not_acknowledged"}


def needs_funding(err: BaseException) -> bool:
    return isinstance(err, ProviderError) and err.kind in FUNDING_KINDS


def mark_underfunded(key: str, svc: ServiceInfo, err: BaseException) -> None:
    """After a provider refused for lack of funds, keep offering the fund box for it."""
    if needs_funding(err):
        st.session_state[f"{key}_underfunded"] = svc.provider


def has_ledger(client: OgClient) -> bool:
    try:
        return not client.read_only and client.ledger().exists
    except OgError:
        return False


def gate(client: OgClient, svc: ServiceInfo, *, key: str) -> bool:
    """True when this session can pay `svc`. Otherwise explains why and offers to fund it here.

    Providers keep a reserve (1 OG on 0G's brokers) locked on top of the request fee, so a
    sub-account holding only the reserve counts as not funded."""
    if client.read_only:
        st.info("You are browsing read-only. Pick a wallet in the sidebar to use this provider.",
                icon=":material/visibility:")
        return False
    try:
        view = client.ledger()
    except OgError as exc:
        show_error(exc)
        return False
    acct = view.provider(svc.provider)
    usable = acct.usable_wei if acct is not None else 0
    flagged = st.session_state.get(f"{key}_underfunded") == svc.provider
    if flagged and usable > st.session_state.get(f"{key}_underfunded_at", -1):
        st.session_state.pop(f"{key}_underfunded", None)  # funded since the refusal
        flagged = False
    st.session_state[f"{key}_underfunded_at"] = usable if flagged else -1
    if usable > view.min_first_transfer_wei and not flagged:
        return True
    with st.container(border=True):
        if not view.exists:
            st.warning("You have no ledger yet, so no provider can be paid. Create one first (at least "
                       f"{format_og(view.min_ledger_wei)}).", icon=":material/account_balance:")
            c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
            amount = c1.text_input("First deposit (OG)", value="5", key=f"{key}_ledger_amount")
            if c2.button("Create ledger…", key=f"{key}_ledger_btn", disabled=tx.busy_reason(client) is not None):
                tx.request(client, lambda: client.plan_deposit(amount))
            return False
        state = "is not funded yet" if usable == 0 else f"holds only {format_og(usable)}"
        st.warning(f"This provider {state}. Inference is paid from your sub-account with it, which must keep "
                   f"a reserve of {format_og(view.min_first_transfer_wei)} plus the request fees; a first transfer "
                   f"is at least {format_og(view.min_first_transfer_wei)} (ledger available: "
                   f"{format_og(view.available_wei)}).", icon=":material/payments:")
        c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
        amount = c1.text_input("Amount (OG)", value="2", key=f"{key}_fund_amount")
        if c2.button("Fund this provider…", key=f"{key}_fund_btn", type="primary",
                     disabled=tx.busy_reason(client) is not None):
            tx.request(client, lambda: client.plan_fund_provider(svc.provider, amount))
    return False
