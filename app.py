"""0G Compute Playground — entrypoint: page router and the shared frame (sidebar, transactions).

Run with `streamlit run app.py`: on the local network it starts a complete 0G network with funded
demo wallets, so every page works without configuration. Pages live in `app_pages/` (not `pages/`,
which Streamlit would treat as a legacy multipage folder).

This file is read twice. `streamlit run` imports it as a module to find `app` (an `st.App`), whose
lifespan starts the local network as the server starts (og_ui/startup.py); each page view then runs
it as the script (`__main__`), which draws the frame and the page.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

ICON = Path(__file__).parent / "assets" / "icon.png"  # shipped: no icon font from a CDN, works offline
TITLE = "0G Compute Playground"

if __name__ != "__main__":  # imported by `streamlit run` (or uvicorn): the server itself
    from og_ui.startup import lifespan

    app = st.App(__file__, lifespan=lifespan)
else:
    from og_ui import startup

    st.set_page_config(page_title=TITLE, page_icon=str(ICON), layout="wide")
    # The default page is served at / but still reserves a pathname: "index", so that /discover is free
    # for the deep link below.
    discover = st.Page("app_pages/discover.py", title="Discover", icon=":material/travel_explore:",
                       url_path="index", default=True)

    def _discover_link() -> None:
        """/discover: the default page lives at /, so this deep link goes there (keeping the URL's choices)."""
        st.switch_page(discover, query_params=dict(st.query_params))

    PAGES = {
        "Explore": [
            discover,
            st.Page("app_pages/wallet.py", title="Wallet & ledger", icon=":material/account_balance_wallet:",
                    url_path="wallet"),
            st.Page(_discover_link, title="Discover", url_path="discover", visibility="hidden"),
        ],
        "Try models": [
            st.Page("app_pages/chat.py", title="Chat", icon=":material/chat:", url_path="chat"),
            st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:", url_path="compare"),
            st.Page("app_pages/text_to_image.py", title="Text-to-image", icon=":material/image:",
                    url_path="text-to-image"),
            st.Page("app_pages/image_edit.py", title="Image editing", icon=":material/auto_fix_high:",
                    url_path="image-edit"),
            st.Page("app_pages/speech_to_text.py", title="Speech-to-text", icon=":material/mic:",
                    url_path="speech-to-text"),
        ],
    }

    page = st.navigation(PAGES)
    st.set_page_config(page_title=f"{page.title} · {TITLE}")  # a title per browser tab
    startup.gate()  # while the local network starts: the frame and a note that refreshes itself

    from og_ui import focus, sidebar, tx
    from og_ui.widgets import toast_pending

    sidebar.render()
    toast_pending()
    tx.render(page.url_path)
    if page.url_path == "chat":
        focus.chat_box()
    page.run()
