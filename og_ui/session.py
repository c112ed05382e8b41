"""The per-session OgClient and wallet choice. Everything per user lives in st.session_state
(keys prefixed `ui_`); nothing per user in module globals or cache_resource.
"""

from __future__ import annotations

import logging
import threading

import streamlit as st

from og_core import (
    Network,
    OgClient,
    OgError,
    SecretStr,
    Settings,
    local_network_started,
    local_network_stopped,
    start_local_network,
)
from og_ui import wallets

log = logging.getLogger(__name__)

NETWORK_LABELS = {Network.LOCAL: "Local (demo network)", Network.TESTNET: "Testnet (Galileo)", Network.MAINNET: "Mainnet"}

# wallet sources
DEMO = "demo"
ENV = "env"
TAB = "tab"
NONE = "none"


def settings() -> Settings:
    """Settings from the environment / .env (read each run: cheap, and never per-user)."""
    try:
        return Settings.from_env()
    except OgError as exc:  # bad OG_NETWORK: fall back to local, say so in the sidebar
        st.session_state["ui_settings_error"] = exc
        return Settings()


def network() -> Network:
    if "ui_network" not in st.session_state:
        _seed_from_url()
        st.session_state.setdefault("ui_network", settings().network)
    return Network(st.session_state["ui_network"])


# The URL keeps the network and, on local, the wallet *choice* (?network=local&wallet=tab), so a reload
# or a shared link opens the same view. Only public things go there: a network name, a demo address
# (public test account), or "tab"/"none" — never a key. A reload after "Another key" therefore asks for
# the key again instead of silently switching to Demo #1.
URL_NETWORK = "network"
URL_WALLET = "wallet"


def _seed_from_url() -> None:
    """Once per session (the first run): take the choices the URL carries, ignoring invalid ones."""
    params = st.query_params
    if params.get(URL_NETWORK) in set(Network):
        st.session_state["ui_network"] = Network(params[URL_NETWORK])
    wallet = params.get(URL_WALLET, "")
    if wallet in (TAB, NONE) or wallets.is_address(wallet):
        st.session_state["ui_demo_address"] = wallet  # the picker drops an address that is no demo account


def sync_url(net: Network) -> None:
    """Write the current choices into the URL (after the sidebar's widgets ran); page switches keep them."""
    wanted = {URL_NETWORK: net}
    if net is Network.LOCAL and st.session_state.get("ui_demo_address"):
        wanted[URL_WALLET] = st.session_state["ui_demo_address"]
    if {k: st.query_params[k] for k in (URL_NETWORK, URL_WALLET) if k in st.query_params} != wanted:
        st.query_params.pop(URL_WALLET, None)
        st.query_params.update(wanted)


def ensure_local_network() -> None:
    """Start (or attach to) the local network once per process, so its demo accounts are known."""
    if settings().rpc_url or local_network_started():
        return
    with st.spinner("Starting the local 0G network (chain, contracts and 5 providers)… first start takes "
                    "a few seconds."):
        start_local_network()


def wallet_key() -> tuple[str | None, SecretStr | None, str]:
    """(address, key, source) of the wallet this session uses on the current network."""
    net = network()
    if net is Network.LOCAL:
        demos = wallets.demo_accounts()
        choice = st.session_state.get("ui_demo_address", demos[0].address if demos else None)
        if choice == NONE:
            return None, None, NONE
        if choice == TAB:
            tab_key = st.session_state.get("ui_tab_key_local")
            return (wallets.address_of(tab_key), tab_key, TAB) if tab_key else (None, None, NONE)
        for d in demos:
            if d.address == choice:
                return d.address, d.key, DEMO
        if demos:
            return demos[0].address, demos[0].key, DEMO
        return None, None, NONE
    pasted: SecretStr | None = st.session_state.get(f"ui_tab_key_{net}")
    if pasted:
        return wallets.address_of(pasted), pasted, TAB
    env_key = settings().private_key if settings().network in (net, Network.LOCAL) else None
    if env_key:
        try:
            checked = wallets.check_private_key(env_key.get_secret_value())
            return wallets.address_of(checked), checked, ENV
        except ValueError:
            st.session_state["ui_env_key_error"] = "PRIVATE_KEY in .env is not a valid private key."
    return None, None, NONE


def get_client() -> OgClient | None:
    """This session's client for the selected network and wallet (built once, rebuilt on a switch).
    On failure the OgError is kept in `ui_client_error` and None is returned."""
    net = network()
    if net is Network.LOCAL:
        if (stopped := local_network_stopped()) is not None:  # say so, not "the RPC does not answer"
            st.session_state["ui_client_error"] = stopped
            return None
        try:
            ensure_local_network()
        except OgError as exc:
            st.session_state["ui_client_error"] = exc
            return None
    address, key, _source = wallet_key()
    ident = (net, address)
    holder = st.session_state.get("ui_client")
    if holder is not None and holder[0] == ident:
        return holder[1]
    if holder is not None:
        work = [done for done in st.session_state.pop("ui_client_work", []) if not done.is_set()]
        _close_when_done(holder[1], work)
        st.session_state.pop("ui_client", None)
    try:
        client = OgClient(net, private_key=key, settings=settings())
    except OgError as exc:
        st.session_state["ui_client_error"] = exc
        return None
    st.session_state.pop("ui_client_error", None)
    st.session_state["ui_client"] = (ident, client)
    return client


def work() -> list[threading.Event]:
    """The running work (og_ui/jobs.py) of this session's client: switching wallet or network closes
    that client only after this work has ended, so a request already paid for is not cut off and its
    result still arrives. Finished work is dropped here, so the list does not grow with every job."""
    running = [done for done in st.session_state.get("ui_client_work", []) if not done.is_set()]
    st.session_state["ui_client_work"] = running
    return running


def _close_when_done(client: OgClient, work: list[threading.Event]) -> None:
    def close() -> None:
        for done in work:
            done.wait()
        try:
            client.close()
        except Exception:  # closing an old client must never break anything
            log.debug("closing old client failed", exc_info=True)

    if work:
        threading.Thread(target=close, name="close-old-client", daemon=True).start()
    else:
        close()


def client_error() -> OgError | None:
    return st.session_state.get("ui_client_error")


def require_client(*, wallet: bool = False) -> OgClient:
    """The client, or stop the page with a plain message saying what to do."""
    from og_ui.widgets import show_error

    client = get_client()
    if client is None:
        err = client_error()
        if err is not None:
            show_error(err)
        else:
            st.error("Not connected to a network.")
        st.caption("Pick another network in the sidebar, or check OG_RPC_URL in your .env.")
        st.button("Retry", key="ui_retry_page", icon=":material/refresh:")  # a click reruns = reconnects
        st.stop()
    if wallet and client.read_only:
        st.info("This needs a wallet. You are browsing read-only: choose a wallet in the sidebar "
                "(on testnet/mainnet paste a private key, kept for this browser tab only).", icon=":material/key:")
        st.stop()
    return client
