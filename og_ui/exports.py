"""What the app hands over as files: names that say what a file holds, and a chat as Markdown in which
nothing a provider (or anyone) wrote can become markup."""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from collections.abc import Iterable

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_BACKTICKS = re.compile(r"`+")


def slug(text: str, *, limit: int = 40) -> str:
    """'A lighthouse at dusk, watercolor!' → 'a-lighthouse-at-dusk-watercolor': ASCII letters and digits
    joined by hyphens, cut at a word boundary within `limit`; '' when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    out = _NOT_SLUG.sub("-", ascii_text).strip("-")
    if len(out) > limit:
        out = out[:limit].rsplit("-", 1)[0] if "-" in out[:limit] else out[:limit]
    return out


def download_name(model: str, prompt: str, when: float | None, ext: str, *, n: int | str | None = None) -> str:
    """'flux-schnell-a-lighthouse-at-dusk-20261204-184501-2.png': the model (its last path part), the
    prompt, the time it was made (local time of this server) and, for one of several files, its number."""
    moment = dt.datetime.fromtimestamp(time.time() if when is None else when)
    parts = [slug(str(model).rsplit("/", 1)[-1], limit=30), slug(prompt), moment.strftime("%Y%m%d-%H%M%S")]
    if n is not None:
        parts.append(str(n))
    return "-".join(p for p in parts if p) + "." + ext


def _fenced(text: str) -> str:
    """`text` as a fenced code block whose fence is longer than any run of backticks inside it, so no
    line of it can close the block: Markdown shows it as typed (no image, link, HTML or heading)."""
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def chat_markdown(messages: Iterable[dict]) -> str:
    """A conversation as Markdown: our headings, each message's text fenced as typed."""
    blocks = []
    for m in messages:
        who = "You" if m.get("role") == "user" else "Assistant"
        blocks.append(f"**{who}:**\n\n{_fenced(str(m.get('content', '')))}")
    return "\n\n".join(blocks) + "\n"
