"""The "View code" panel under a chat: the last request in four forms (og_ui/codegen.py), one tab each,
in a full-width expander so a long script reads at its full height instead of in a popover's box."""

from __future__ import annotations

import streamlit as st

from og_core import ChatResult, OgClient, OgError
from og_ui import codegen

TABS = ["Python · 0G SDK", "Python · OpenAI client", "cURL", "TypeScript · 0G SDK"]


def show(client: OgClient, last: ChatResult | None, *, key: str) -> None:
    with st.expander("View code", icon=":material/code:", key=f"{key}_code"):
        if last is None:
            st.caption("Send a message first.")
            return
        try:
            endpoint = client.service(last.provider).url.rstrip("/") + "/v1/proxy"
        except OgError:
            endpoint = "<provider URL>/v1/proxy"
        fallback = {"model": last.model}
        sdk, openai, curl, ts = st.tabs(TABS, key=f"{key}_code_tabs")
        with sdk:
            st.caption("Makes this exact request, signs its own session token and verifies the answer's TEE "
                       "signature (key read from PRIVATE_KEY).")
            st.code(codegen.chat_code(client, last.provider, last.request_body, fallback), language="python")
        with openai:
            st.caption("Any OpenAI-compatible client works with an API key from Wallet → API keys (read from "
                       "OG_API_KEY); it does not check the TEE signature.")
            st.code(codegen.openai_code(endpoint, last.request_body, fallback), language="python")
        with curl:
            st.caption("The same JSON body the app sent, with an API key from Wallet → API keys.")
            st.code(codegen.curl_code(endpoint, last.request_body, fallback), language="bash")
        with ts:
            st.caption(f"With 0G's TypeScript SDK ({codegen.TS_SDK}); its processResponse checks the answer.")
            st.code(codegen.typescript_code(client, last.provider, last.request_body, fallback),
                    language="typescript")
