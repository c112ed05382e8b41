"""The cursor goes into the chat box when the Chat page opens, so typing is the very next action
(issue 11: a verified answer in three actions — Chat, type, Enter — with no click into the box).

Our own constant script, never anything a provider wrote. It moves the focus only while nothing else
holds it (the page body, or the navigation link just clicked), and waits for the box to be enabled.
"""

from __future__ import annotations

import streamlit as st

_SCRIPT = """<script>
(function () {
  let tries = 0;
  function focusChat() {
    const box = document.querySelector('[data-testid="stChatInputTextArea"]');
    const active = document.activeElement;
    const free = !active || active === document.body || active.closest('[data-testid="stSidebarNav"]');
    if (box && !box.disabled) { if (free) box.focus(); return; }
    if (++tries < 100) setTimeout(focusChat, 100);
  }
  focusChat();
})();
</script>"""


def chat_box() -> None:
    """Focus the page's chat input once it is there and enabled (within 10 s)."""
    st.html(_SCRIPT, unsafe_allow_javascript=True, width="content")
