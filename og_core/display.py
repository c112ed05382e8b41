"""How og_core writes small facts in words, the same everywhere: a short address, a UTC time."""

from __future__ import annotations

import datetime as dt


def short_address(address: str | None) -> str:
    """"0x12Ab…cD34": enough to tell addresses apart at a glance; "—" when there is none."""
    if not address:
        return "—"
    return f"{address[:6]}…{address[-4:]}"


def format_utc(ts: float) -> str:
    """A unix time (seconds) as "2026-12-04 01:05 UTC"; one a calendar cannot hold (a provider's or a
    contract's absurd value) as "unix time N"."""
    try:
        return dt.datetime.fromtimestamp(int(ts), dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return f"unix time {int(ts)}"
