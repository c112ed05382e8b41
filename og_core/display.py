"""How og_core writes small facts in words, the same everywhere: a short address, a time in UTC."""

from __future__ import annotations

import datetime as dt


def short_address(address: str | None) -> str:
    """"0x12Ab…cD34": enough to tell addresses apart at a glance; "—" when there is none."""
    if not address:
        return "—"
    return f"{address[:6]}…{address[-4:]}"


def format_utc(when: float | dt.datetime) -> str:
    """A unix time (seconds) or a datetime (one without a zone is UTC) as "2026-12-04 01:05 UTC"; a
    number a calendar cannot hold (a provider's or a contract's absurd value) as "unix time N"."""
    if isinstance(when, dt.datetime):
        moment = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
    else:
        try:
            moment = dt.datetime.fromtimestamp(int(when), dt.UTC)
        except (OverflowError, OSError, ValueError):
            return f"unix time {int(when)}"
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def parse_utc(text: str) -> dt.datetime | None:
    """An RFC 3339 time or date ("2026-01-31T12:00:00Z", "…+02:00", "2026-01-31") → an aware UTC
    datetime; one without a zone is taken as UTC; None when it is not a time."""
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
