"""Provider-written text shown as inert text: the one path every page and widget uses.

A provider writes its model name, service type, URL, additionalInfo, error texts and answers. None of
it may become an image (a tracker), a link, a coloured banner or an icon on our pages. Two kinds of
place show text, and each has one function:

- Markdown places (st.markdown, st.caption, alert bodies, widget/expander/tab labels, toasts, badges,
  pills): `inert(text)` — every ASCII punctuation character backslash-escaped (CommonMark: all are
  escapable, so no link, image, emphasis, HTML, directive or LaTeX can start), and the shortcodes and
  arrows Streamlit replaces in plain text (":smile:", ":streamlit:", ":material/…:", "->") broken
  with an invisible word joiner.
- Plain-text places (selectbox and multiselect options, charts, st.text, st.code): `clean(text)` —
  no escaping (it would show), only control and bidi characters removed.
- Table cells: `cell(text)` — `clean`, and a leading = + - @ quoted with an apostrophe, so the table's
  CSV download hands a spreadsheet text, never a formula (OWASP "CSV injection").

`literal(text)` shows a block of provider text (a chat answer) with its line breaks, as st.text: no
markdown at all.
"""

from __future__ import annotations

import re
import string
from typing import Any

import streamlit as st

# U+2060 WORD JOINER: invisible, keeps a line from breaking there, and is not a word character, so it
# splits ":smile:" / ":streamlit:" / "->" in the text Streamlit's markdown renders after escapes.
_JOINER = "\u2060"
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
# Streamlit's markdown replaces these in the text that remains after parsing, where escapes are
# already resolved: shortcodes (":smile:", ":streamlit:"), "->" arrows, and GFM's bare-URL and e-mail
# autolinks ("http://…", "www.…", "a@b.c"). A joiner after ':' and '@' and inside "www." breaks them.
_BREAK_AFTER = re.compile(r"([:@])|(?i:(www)(?=\.))")
_ARROW = re.compile(r"([<>~-])(?=[-<>=])")
# C0/C1 controls and the bidi embeddings, overrides and isolates that reorder what a user reads
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


def clean(text: Any, *, limit: int | None = None) -> str:
    """`text` for a plain-text place: controls and bidi characters removed, whitespace (line breaks
    too) collapsed to single spaces; cut to `limit` characters with "…"."""
    out = _SPACES.sub(" ", _CONTROLS.sub("", str(text))).strip()
    if limit is not None and len(out) > limit:
        out = out[: limit - 1] + "…"
    return out


_FORMULA_START = ("=", "+", "-", "@")


def cell(text: Any, *, limit: int | None = None) -> str:
    """`text` for a table cell (see `clean`): one that a spreadsheet would run as a formula starts with
    an apostrophe instead, which spreadsheets read as "this is text"."""
    out = clean(text, limit=limit)
    return "'" + out if out.startswith(_FORMULA_START) else out


def inert(text: Any, *, limit: int | None = None) -> str:
    """`text` for a markdown place, shown exactly as written (one line; see `clean`)."""
    out = _BREAK_AFTER.sub(lambda m: (m.group(1) or m.group(2)) + _JOINER, clean(text, limit=limit))
    out = _ARROW.sub(r"\1" + _JOINER, out)
    return _PUNCTUATION.sub(r"\\\1", out)  # last: the joiners above are not punctuation


def literal(text: Any, *, where: Any = None, empty: str = "(empty answer)") -> None:
    """A block of provider text (a chat answer) as typed, line breaks kept, never markdown."""
    value = _CONTROLS.sub("", str(text)) if text else ""
    (where or st).text(value or empty)
