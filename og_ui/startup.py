"""The server's start-up: the local network and the heavy imports begin when the server starts
(`streamlit run app.py` finds app.py's `st.App` and runs its lifespan), not on the first page view.

Until the network is up, every page shows the app's frame and a note that refreshes itself. This
module imports only the standard library and Streamlit, so that frame needs nothing heavy; og_core
(web3, the SDK) and pandas are imported in the background thread meanwhile.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import streamlit as st

log = logging.getLogger(__name__)

# What the pages import: warmed in the background, so the first page view finds them loaded.
WARM_MODULES = ("og_core", "pandas", "og_ui.session", "og_ui.sidebar", "og_ui.tx", "og_ui.funding",
                "og_ui.services", "og_ui.chat_stream")
REFRESH_S = 0.5  # how often the "starting" note looks whether the network is up
FIRST_WAIT_S = 0.5  # a page run waits this long for a start that is nearly done, before showing the note

_lock = threading.Lock()
_thread: threading.Thread | None = None
_decided = threading.Event()  # og_core is imported and it is known whether a network must start
_network_up = threading.Event()  # the network is up, or none is to be started here (or it failed)
_started_at = 0.0


def _start() -> None:
    """Background thread: import what the pages need and start the local network when it is the one
    configured (OG_NETWORK local, no OG_RPC_URL). A failure is only logged here: the page's own
    connection attempt then shows it in words, with Retry."""
    try:
        og_core: Any = importlib.import_module("og_core")
        settings = og_core.Settings.from_env()
        if settings.network != og_core.Network.LOCAL or settings.rpc_url:
            _network_up.set()
        _decided.set()
        if not _network_up.is_set():
            og_core.start_local_network()
            log.info("local 0G network ready %.1f s after the server started", time.monotonic() - _started_at)
            _network_up.set()
        for name in WARM_MODULES:
            importlib.import_module(name)
    except Exception as exc:  # noqa: BLE001 - reported by the page (og_ui.session) on its own attempt
        log.warning("start-up: %s", str(exc)[:300])
    finally:
        _decided.set()
        _network_up.set()


def begin() -> None:
    """Start the start-up once per process (the lifespan does; a page run without it, e.g. AppTest,
    calls it too). Returns at once."""
    global _thread, _started_at
    with _lock:
        if _thread is None:
            _started_at = time.monotonic()
            _thread = threading.Thread(target=_start, name="og-startup", daemon=True)
            _thread.start()


def ready(wait_s: float = 0.0) -> bool:
    """True once the local network is up (or none is to be started here, or starting it failed),
    waiting up to `wait_s` for it."""
    return _network_up.wait(wait_s) if wait_s > 0 else _network_up.is_set()


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """st.App's lifespan: begin the start-up as the server starts; the server answers meanwhile."""
    begin()
    yield


def gate() -> None:
    """Stop this page run with the "starting" note while the local network starts; the note reruns
    the page by itself when it is up. Call after st.navigation (the frame is drawn by then), before
    anything that needs og_core."""
    begin()
    _decided.wait()  # og_core's import, which the page needs anyway, says whether a network starts here
    if ready(FIRST_WAIT_S):
        return
    st.title("0G Compute Playground")
    _starting_note()
    st.stop()


@st.fragment(run_every=REFRESH_S)
def _starting_note() -> None:
    if ready():
        st.rerun(scope="app")
    with st.container(key="startup_note"), st.status(
            "Starting the local 0G network: a chain, its contracts and 5 providers…", expanded=True):
        st.write(f"{time.monotonic() - _started_at:.0f} s so far; this page opens by itself when it is ready "
                 "(usually a few seconds).")
        st.caption("Demo #1 starts with a ledger and 3 OG at every local provider, so you can chat right away.")
