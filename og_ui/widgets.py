"""Shared display widgets: errors in plain words, prices, metrics, verification badges."""

from __future__ import annotations

import logging
from decimal import Decimal

import streamlit as st

from og_core import (
    WEI_PER_OG,
    OgError,
    ServiceInfo,
    VerificationResult,
    VerificationStatus,
    format_og,
    short_address,
)
from og_ui.inert import clean, inert, literal

log = logging.getLogger(__name__)


def og_text(value: Decimal | int, places: int = 6, *, round_down: bool = False) -> str:
    """OG amount from Decimal OG or int wei, always with its unit. round_down=True for balances:
    cut, never round up (a balance must not look larger than it is)."""
    if isinstance(value, Decimal):
        value = int(value * WEI_PER_OG)
    return format_og(int(value), places, round_down=round_down)


def price_text(s: ServiceInfo) -> str:
    if s.price_unit == "image":
        return f"{og_text(s.output_price_og)} per image"
    return (f"{og_text(s.input_price_og)} in · {og_text(s.output_price_og)} out per 1M tokens")


MODEL_CHARS = 80  # a model name is the provider's: long ones are cut where a page names them


def service_label(s: ServiceInfo) -> str:
    """A picker option (plain text: selectbox and multiselect options are not markdown)."""
    tee = " · TEE" if s.verifiable else ""
    return f"{clean(s.model, limit=MODEL_CHARS)} — {short_address(s.provider)} — {price_text(s)}{tee}"


def model_md(s: ServiceInfo | str) -> str:
    """A service's model name (provider-written) for a markdown place: inert, cut to MODEL_CHARS."""
    return inert(s.model if isinstance(s, ServiceInfo) else s, limit=MODEL_CHARS)


def show_error(err: BaseException, *, where: st.delta_generator.DeltaGenerator | None = None) -> None:
    """OgError → its message and hint; anything else → a plain sentence (the traceback goes to the log
    only, never to the page)."""
    box = where or st
    if isinstance(err, OgError):
        text = inert(err.message) + (f"\n\n**Next step:** {inert(err.hint)}" if err.hint else "")
        box.error(text, icon=":material/error:")
        if err.detail:  # often the provider's own answer: shown as typed, never as markdown
            with box.expander("Technical details"):
                literal(err.detail[:2000])
        return
    log.error("unexpected error in the app", exc_info=(type(err), err, err.__traceback__))
    box.error(f"Something unexpected went wrong ({type(err).__name__}). Try again; if it keeps happening, "
              "restart the app.", icon=":material/error:")


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms"


def verification_badge(vr: VerificationResult | None) -> None:
    """Badge plus the signer used; `vr` None means not checked yet."""
    if vr is None:
        st.badge("not verified yet", icon=":material/help:", color="gray")
        return
    if vr.status is VerificationStatus.VERIFIED:
        st.badge("verified", icon=":material/verified:", color="green")
    elif vr.status is VerificationStatus.INVALID:
        st.badge("invalid signature", icon=":material/gpp_bad:", color="red")
    else:
        st.badge("verification unavailable", icon=":material/help:", color="gray")
    signer = ""
    if vr.expected_signer and vr.expected_signer not in vr.reason:
        signer = f" Signer: {inert(vr.expected_signer)} ({inert(vr.signer_source)})."
    st.caption(f"{inert(vr.reason)}{signer}")  # the reason can quote the provider


def count_text(n: int, noun: str) -> str:
    """'1 token', '2 tokens', '1,234 tokens': never '1 tokens'."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def usage_caption(*, tokens: str | int | None, cost_wei: int | None, latency_ms: float | None,
                  ttft_ms: float | None = None, cost_text: str | None = None) -> str:
    """tokens: a count of tokens, or the usage in words (made with `count_text`: "1 image", "3 tokens").
    cost_wei None: the provider reported no usage, so the cost is unknown (never shown as 0).
    cost_text: the cost in words (og_ui/costs.py: its tier, cached tokens, unit) instead of the bare sum."""
    parts = []
    if isinstance(tokens, int):
        parts.append(count_text(tokens, "token"))
    elif tokens:
        parts.append(tokens)
    if cost_wei is None:
        parts.append("cost not reported")
    else:
        parts.append(cost_text or f"cost {format_og(cost_wei, 8)}")
    parts.append(f"latency {ms(latency_ms)}")
    if ttft_ms is not None:
        parts.append(f"first token {ms(ttft_ms)}")
    return " · ".join(parts)


def toast_pending() -> None:
    """Show toasts queued by the previous run (e.g. before an st.rerun)."""
    for text, icon in st.session_state.pop("ui_toasts", []):
        st.toast(text, icon=icon)


def queue_toast(text: str, icon: str = ":material/check_circle:") -> None:
    st.session_state.setdefault("ui_toasts", []).append((text, icon))
