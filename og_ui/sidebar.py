"""The sidebar shown on every page: network, wallet, balances at a glance."""

from __future__ import annotations

import streamlit as st

from og_core import (
    Network,
    OgClient,
    OgError,
    ReadOnlyError,
    format_balance,
    format_exact,
    format_og,
    local_ready_demo,
    short_address,
    usable_at_providers,
)
from og_ui import session, wallets
from og_ui.inert import inert


def render() -> OgClient | None:
    with st.sidebar:
        session.network()  # initialise the choice from OG_NETWORK before the widget exists
        choice = st.selectbox("Network", list(Network), key="ui_network",
                              format_func=lambda n: session.NETWORK_LABELS[n], persist_state="session")
        net = Network(choice or Network.LOCAL)  # never None: the list is not empty
        if err := st.session_state.get("ui_settings_error"):
            st.error(inert(f"{err.message} {err.hint}"), icon=":material/settings:")
        if env_err := st.session_state.get("ui_env_key_error"):
            st.error(inert(env_err), icon=":material/key_off:")
        if net is Network.MAINNET:
            st.warning("Mainnet uses real OG. Every transaction asks for confirmation and costs real money.",
                       icon=":material/warning:")
        _wallet_picker(net)
        session.sync_url(net)
        client = session.get_client()
        if client is None:
            # The page shows the full error and what to do; here just the state and a way to try again.
            st.error(f"Not connected to {session.NETWORK_LABELS.get(net, net)}.", icon=":material/cloud_off:")
            st.button("Retry", key="ui_retry_sidebar", icon=":material/refresh:")  # a click reruns = reconnects
            return None
        if client.read_only:
            st.info("Read-only: browse services and prices. Pick a wallet to pay for inference.",
                    icon=":material/visibility:")
        else:
            _balances()
        return client


def _wallet_picker(net: Network) -> None:
    if net is Network.LOCAL:
        try:
            session.ensure_local_network()
        except OgError:
            return  # get_client() reports it
        demos = wallets.demo_accounts()
        options = [d.address for d in demos] + [session.TAB, session.NONE]
        labels = {d.address: f"{d.label} · {short_address(d.address)}" for d in demos}
        labels[session.TAB] = "Another key (paste it)"
        labels[session.NONE] = "No wallet (read-only)"
        if st.session_state.get("ui_demo_address") not in options:
            st.session_state["ui_demo_address"] = options[0]
        choice = st.selectbox("Wallet", options, key="ui_demo_address", format_func=lambda a: labels[a],
                              persist_state="session")
        ready = local_ready_demo()
        if ready is not None and choice == ready.address:
            name = next(d.label for d in demos if d.address == choice)
            st.success(f"{name} is ready: it started with a ledger and {format_og(ready.per_provider_wei)} at every "
                       "local provider, so you can chat right away.", icon=":material/check_circle:")
        elif ready is not None and choice in {d.address for d in demos}:
            st.caption("This demo wallet starts empty: the first request offers to set it up (ledger and "
                       "provider) in one confirmation.")
        st.caption("Demo wallets use the **public** hardhat test keys: they protect nothing and exist only on "
                   "this local network. Never send real funds to them.")
        if choice == session.TAB:
            _key_box(net)
        return
    address, _key, source = session.wallet_key()
    if source == session.ENV:
        st.success(f"Wallet {short_address(address)} (PRIVATE_KEY from .env)", icon=":material/key:")
        return
    _key_box(net)


def _key_box(net: Network) -> None:
    address, _key, source = session.wallet_key()
    if source == session.TAB:
        st.success(f"Wallet {short_address(address)} (key typed in this tab)", icon=":material/key:")
        if st.button("Forget this key", key="ui_forget_key"):
            st.session_state.pop(f"ui_tab_key_{net}", None)
            st.rerun()
        return
    st.text_input("Private key (kept for this browser tab only)", type="password", key="ui_key_input",
                  on_change=_take_key, args=(net,), placeholder="0x… 64 hex characters")
    if err := st.session_state.get("ui_key_error"):
        st.error(inert(err), icon=":material/error:")
    st.caption("Without a key the app is read-only. The key stays in this tab's server session and is "
               "forgotten when you close or reload the tab: paste it again then.")


def _take_key(net: Network) -> None:
    """on_change: validate, move the key into a SecretStr, and clear the text box so the key is never
    sent back to the browser."""
    text = st.session_state.get("ui_key_input", "")
    st.session_state["ui_key_input"] = ""
    try:
        st.session_state[f"ui_tab_key_{net}"] = wallets.check_private_key(text)
        st.session_state.pop("ui_key_error", None)
    except ValueError as exc:
        st.session_state["ui_key_error"] = str(exc)


@st.fragment(run_every="20s")
def _balances() -> None:
    """Wallet and ledger balances, refreshed in place every 20 s."""
    client = session.get_client()
    if client is None or client.read_only:
        return
    st.markdown(f"**Wallet** `{short_address(client.address)}`")
    try:
        view = client.ledger()
    except ReadOnlyError:
        return
    except OgError as exc:
        st.caption(f"Balances unavailable: {inert(exc.message)}")
        return
    st.metric("Wallet balance", format_balance(view.wallet_balance_wei),
              help=f"Exactly {format_exact(view.wallet_balance_wei)}.")
    if not view.exists:
        st.caption("No ledger yet — create one on the Wallet page to pay providers.")
        return
    # Plain lines, not two narrow metrics: those cut "1.9989 OG" to "1.99…" in the sidebar.
    lines = [f"Ledger available: **{format_balance(view.available_wei)}**",
             f"Locked with providers: **{format_balance(view.locked_wei)}**"]
    if view.pending_refund_wei:
        lines.append(f"of which pending refunds: **{format_balance(view.pending_refund_wei)}**")
    if view.providers:  # the Wallet table's "usable" column, summed: after each provider's 1 OG reserve
        lines.append(f"Usable for requests: **{format_balance(usable_at_providers(view))}**")
    st.markdown("  \n".join(lines))
