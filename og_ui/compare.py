"""Compare: one prompt to several chatbot providers at once, as one paid request (og_ui/media.py's
job), so a rerun or a double click never asks (and pays) twice."""

from __future__ import annotations

import functools

from og_core import ChatResult, OgClient, OgError, ServiceInfo, VerificationResult
from og_ui import jobs, media

KEY = "cmp"
RESULTS_KEY = "cmp_results"  # {"prompt": str, "result": [Row, ...]} of the last comparison

# one answer: (provider, result or None, verification or None, error or None)
Row = tuple[str, ChatResult | None, VerificationResult | None, OgError | None]


def start(client: OgClient, services: list[ServiceInfo], prompt: str, *, max_tokens: int) -> bool:
    """Ask every provider in `services` the same question at once; True when it was sent."""
    messages = [{"role": "user", "content": prompt}]
    asked = [(s.provider, s.model) for s in services]  # the worker reads only these copies

    def ask(provider: str, model: str) -> Row:  # worker thread: og_core only
        try:
            r = client.chat(provider, messages, model=model, max_tokens=max_tokens)
        except OgError as exc:
            return provider, None, None, exc
        try:
            return provider, r, client.verify(r), None
        except OgError:
            return provider, r, None, None

    def ask_all() -> list[Row]:
        return jobs.run_parallel([functools.partial(ask, p, m) for p, m in asked])

    return media.start(client, None, key=KEY, label=f"Asking {len(asked)} providers at once…", call=ask_all,
                       verify=False, record_key=RESULTS_KEY, prompt=prompt)
