"""Discover's filters and its table selections.

Type filters read the way a newcomer expects: none picked shows every type, picking "Chat" shows only
chat. A selection is the provider (or model) itself, never a row number: the tables are redrawn after
every filter change, and a row number kept across that would point at another service.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from og_core import ServiceInfo

SORTS = ["none", "cheapest first", "most expensive first"]


def chosen_types(picked: Sequence[str] | None, types: Sequence[str]) -> list[str]:
    """The types to show: the picked ones, or every type when none is picked."""
    return [t for t in types if t in (picked or ())] or list(types)


def filter_services(services: Sequence[ServiceInfo], *, types: Sequence[str], search: str = "",
                    verifiable_only: bool = False, sort: str = "none") -> list[ServiceInfo]:
    """The services the filters let through, sorted by price within each type (prices of different
    types are in different units and are never compared)."""
    needle = search.strip().lower()
    shown = [s for s in services if s.service_type in types and (s.verifiable or not verifiable_only)
             and needle in s.model.lower()]
    if sort != "none":
        order = {t: i for i, t in enumerate(types)}
        shown.sort(key=lambda s: (s.output_price_wei, s.input_price_wei), reverse=sort == "most expensive first")
        shown.sort(key=lambda s: order.get(s.service_type, len(order)))  # stable: price order kept in each type
    return shown


def more_filters_label() -> str:
    """"Filters", or "Filters (2)" when two of the search, sort and TEE-only filters are on."""
    on = sum((bool(str(st.session_state.get("disc_search") or "").strip()),
              st.session_state.get("disc_sort", "none") != "none", bool(st.session_state.get("disc_verifiable"))))
    return f"Filters ({on})" if on else "Filters"


def _rows(state: Any) -> list[int]:
    """The selected rows in a dataframe's session_state value (a dict or Streamlit's state object)."""
    try:
        rows = state["selection"]["rows"]
    except (KeyError, TypeError, IndexError):
        return []
    return [r for r in rows if isinstance(r, int)]


def stable_selection(table_key: str, items: Sequence[str], chosen_key: str) -> str | None:
    """Call just before drawing the single-row table `table_key` whose rows are `items` (in order).

    A row the user clicked in the table drawn last run becomes session_state[chosen_key] (the item, not
    its row number); an unclicked row clears it. Then the table's selection is set to wherever that item
    is now, and the choice is cleared when the filters hide it — it never moves to another item. Returns
    the current choice."""
    previous: list[str] = st.session_state.get(f"{table_key}_items", [])
    written: list[int] = st.session_state.get(f"{table_key}_rows", [])
    state = st.session_state.get(table_key)  # None when the table was not drawn last run (another view)
    rows = _rows(state)
    if state is not None and rows != written:  # a click since the last run, on the table as it was drawn then
        picked = previous[rows[0]] if rows and 0 <= rows[0] < len(previous) else None
        st.session_state[chosen_key] = picked
    chosen = st.session_state.get(chosen_key)
    if chosen not in items:
        st.session_state[chosen_key] = chosen = None  # hidden by the filters: cleared, not moved
    now = [list(items).index(chosen)] if chosen is not None else []
    st.session_state[f"{table_key}_items"] = list(items)
    st.session_state[f"{table_key}_rows"] = now
    st.session_state[table_key] = {"selection": {"rows": now, "columns": [], "cells": []}}
    return chosen
