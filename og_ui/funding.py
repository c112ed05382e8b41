""""Can this session pay this provider?" (og_core's `provider_readiness`) and the in-place offer to
fund it. Nothing is ever funded silently: the offer opens the same confirmation dialog as the Wallet
page."""

from __future__ import annotations

import streamlit as st

from og_core import (
    OgClient,
    OgError,
    ProviderError,
    ProviderReadiness,
    ServiceInfo,
    format_balance,
    format_og,
    wei_to_og,
)
from og_ui import tx
from og_ui.inert import inert
from og_ui.widgets import show_error


def needs_funding(err: BaseException) -> bool:
    """The provider refused because this wallet's sub-account with it is missing or empty."""
    return isinstance(err, ProviderError) and err.kind.needs_funding


def mark_underfunded(key: str, svc: ServiceInfo, err: BaseException) -> None:
    """After a provider refused for lack of funds, keep offering the fund box for it."""
    if needs_funding(err):
        st.session_state[f"{key}_underfunded"] = svc.provider


def has_ledger(client: OgClient) -> bool:
    try:
        return not client.read_only and client.ledger().exists
    except OgError:
        return False


def _amount_text(wei: int, fallback: str) -> str:
    """A suggested amount for an input box: "2", "0.5" (no trailing zeros)."""
    if wei <= 0:
        return fallback
    return f"{wei_to_og(wei).normalize():f}"


def deposit_offer(client: OgClient, needed_wei: int, available_wei: int, *, key: str, what: str) -> None:
    """When the ledger holds less than `needed_wei` for `what`, offer the missing deposit here (the same
    confirmation dialog as the Wallet page). Widget keys: `{key}_deposit_amount`, `{key}_deposit_btn`."""
    if needed_wei <= available_wei:
        return
    missing = needed_wei - available_wei
    st.info(f"Your ledger has {format_balance(available_wei)} available; {what} needs {format_og(needed_wei)}. "
            f"Deposit {format_og(missing)} from your wallet first.", icon=":material/account_balance:")
    box, said = f"{key}_deposit_amount", f"{key}_deposit_suggested"
    if st.session_state.get(said) != missing:  # the need changed (another provider picked): say the new amount
        st.session_state[box] = _amount_text(missing, "1")
        st.session_state[said] = missing
    c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
    amount = c1.text_input("Deposit (OG)", key=box)
    if c2.button("Deposit into the ledger…", key=f"{key}_deposit_btn", disabled=tx.busy_reason(client) is not None):
        tx.request(client, lambda: client.plan_deposit(amount))


def readiness(client: OgClient, svc: ServiceInfo) -> ProviderReadiness | None:
    """og_core's readiness of `svc` for this session; None (the error shown) when it cannot be read."""
    try:
        return client.provider_readiness(svc.provider)
    except OgError as exc:
        show_error(exc)
        return None


def gate(client: OgClient, svc: ServiceInfo, *, key: str, deposit: bool = True,
         ready: ProviderReadiness | None = None) -> bool:
    """True when this session can pay `svc` (og_core's readiness check: account, acknowledgement,
    usable balance above the provider's reserve and unsettled fees). Otherwise explains why and
    offers to fund it here, prefilled with a top-up that leaves it usable, and (deposit=True) the
    deposit the ledger lacks for that top-up. `ready`: the readiness already read in this run."""
    if client.read_only:
        st.info("You are browsing read-only. Pick a wallet in the sidebar to use this provider.",
                icon=":material/visibility:")
        return False
    ready = ready or readiness(client, svc)
    if ready is None:
        return False
    usable = ready.held_wei
    # a refusal the readiness check could not foresee (a request fee above the usable balance):
    # keep offering the fund box until what the provider holds grows
    flagged = st.session_state.get(f"{key}_underfunded") == svc.provider
    if flagged and usable > st.session_state.get(f"{key}_underfunded_at", -1):
        st.session_state.pop(f"{key}_underfunded", None)  # funded since the refusal
        flagged = False
    st.session_state[f"{key}_underfunded_at"] = usable if flagged else -1
    if ready.ready and not flagged:
        return True
    with st.container(border=True):
        busy = tx.busy_reason(client) is not None
        suggested = _amount_text(ready.suggested_top_up_wei, "2")
        if not ready.ledger_exists:
            # One confirmation for everything missing (og_core's SETUP plan): the ledger, then the transfer.
            st.warning(inert(ready.reason), icon=":material/account_balance:")
            c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="bottom")
            into_ledger = c1.text_input("Into your ledger (OG)", value="5", key=f"{key}_ledger_amount")
            amount = c2.text_input("For this provider (OG)", value=suggested, key=f"{key}_setup_amount")
            if c3.button("Set up and fund…", key=f"{key}_setup_btn", type="primary", disabled=busy,
                         help="Creates your ledger and funds this provider: both transactions in one "
                              "confirmation, listed before anything is sent."):
                tx.request(client, lambda: client.plan_setup(svc.provider, amount, into_ledger))
            return False
        reason = ready.reason if not ready.ready else (
            f"This provider refused a request for lack of funds: {format_balance(ready.usable_wei)} usable for "
            "requests was not enough.")
        st.warning(f"{inert(reason)} Inference is paid from your sub-account with it (ledger available: "
                   f"{format_balance(ready.ledger_available_wei)}).", icon=":material/payments:")
        if deposit:
            deposit_offer(client, ready.suggested_top_up_wei, ready.ledger_available_wei, key=key,
                          what="this top-up")
        c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
        amount = c1.text_input("Amount (OG)", value=suggested, key=f"{key}_fund_amount")
        # plan_setup: a plain transfer, or a deposit of what the ledger lacks plus the transfer, in one dialog
        if c2.button("Fund this provider…", key=f"{key}_fund_btn", type="primary", disabled=busy):
            tx.request(client, lambda: client.plan_setup(svc.provider, amount))
    return False


def fund_popover(client: OgClient, svc: ServiceInfo, *, key: str, label: str = "Fund") -> None:
    """A "Fund" popover offering a transfer to `svc` through the confirmation dialog. Widget keys:
    `{key}_amount`, `{key}_btn`, `{key}_popover`. It closes when the transfer is reviewed: a plain
    st.popover keeps its open state in the browser only, and would stay open over the dialog."""
    popover_key, close_key = f"{key}_popover", f"{key}_close"
    if st.session_state.pop(close_key, False):
        st.session_state[popover_key] = False  # only possible before the popover exists in this run
    with st.popover(label, icon=":material/payments:", disabled=client.read_only, key=popover_key,
                    on_change="rerun"):
        amount = st.text_input("Amount (OG)", value="2", key=f"{key}_amount",
                               help="A first transfer is at least 1 OG; providers keep 1 OG in reserve, so "
                                    "2 OG or more leaves room for requests.")
        if st.button("Review transfer", key=f"{key}_btn", disabled=tx.busy_reason(client) is not None):
            st.session_state[close_key] = True  # tx.request reruns into the dialog when the plan is valid
            if not tx.request(client, lambda: client.plan_fund_provider(svc.provider, amount)):
                st.session_state.pop(close_key, None)  # its error is shown in here: keep it open
    if client.read_only:
        st.caption("Pick a wallet in the sidebar to fund providers.")
