"""0G Compute Playground — entrypoint: page router and the shared frame (sidebar, transactions).

Run with `streamlit run app.py`: on the local network it starts a complete 0G network with funded
demo wallets, so every page works without configuration. Pages live in `app_pages/` (not `pages/`,
which Streamlit would treat as a legacy multipage folder).
"""

from __future__ import annotations

import streamlit as st

from og_ui import sidebar, tx
from og_ui.widgets import toast_pending

st.set_page_config(page_title="0G Compute Playground", page_icon=":material/hub:", layout="wide")

PAGES = {
    "Explore": [
        st.Page("app_pages/discover.py", title="Discover", icon=":material/travel_explore:", url_path="discover",
                default=True),
        st.Page("app_pages/wallet.py", title="Wallet & ledger", icon=":material/account_balance_wallet:",
                url_path="wallet"),
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
sidebar.render()
toast_pending()
tx.render(page.url_path)
page.run()
