"""Every transaction goes plan → confirmation dialog → background send with st.status → toast.

Why a worker thread: a click elsewhere on the page interrupts the script run; if the send ran in
the script thread, that rerun could lose the result (or tempt a resend). The worker only calls
og_core and writes plain Python objects into the job; the script thread renders them.

Idempotency: the dialog carries a one-time token kept in session_state; Confirm consumes it
*before* the transaction starts, so a rerun or a double click can never send twice.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from og_core import OgClient, OgError, TxPlan, TxResult, TxStep
from og_ui.widgets import og_text, queue_toast, show_error

CONFIRM_KEY = "tx_confirm"  # {"token": str, "plan": TxPlan}
JOB_KEY = "tx_job"  # TxJob in flight (or just finished)
LAST_KEY = "tx_last"  # last finished job, shown until the next transaction

STEP_WORDS = {
    TxStep.CHECKING: "Checking the contract rules",
    TxStep.SIMULATING: "Simulating the transaction (nothing is spent if it would fail)",
    TxStep.SIGNING: "Signing with your wallet",
    TxStep.SENT: "Sent, waiting for the block",
    TxStep.CONFIRMED: "Confirmed on-chain",
    TxStep.FAILED: "Failed",
}


@dataclass
class TxJob:
    token: str
    plan: TxPlan
    steps: list[tuple[str, str]] = field(default_factory=list)
    result: TxResult | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.time)

    def progress(self, step: TxStep, text: str) -> None:  # runs in the worker thread: no st.* here
        self.steps.append((str(step), text))


def in_flight() -> bool:
    job: TxJob | None = st.session_state.get(JOB_KEY)
    return job is not None and not job.done.is_set()


def busy_reason(client: OgClient | None) -> str | None:
    """Why transaction buttons are disabled right now, else None."""
    if in_flight():
        return "A transaction is being sent."
    if client is not None and not client.read_only:
        reason = client.busy()
        if reason:
            return reason
    return None


def request(client: OgClient, make_plan: Callable[[], TxPlan | None], *, where=None) -> bool:
    """Build a plan (rule violations are shown and nothing changes) and open the confirmation dialog.
    Returns True when the dialog was opened."""
    try:
        plan = make_plan()
    except OgError as exc:
        show_error(exc, where=where)
        return False
    if plan is None:
        (where or st).info("Nothing to do: the balance is already at the target.")
        return False
    st.session_state[CONFIRM_KEY] = {"token": uuid.uuid4().hex, "plan": plan}
    # The frame opens the dialog on the next run: opening it always from the same place keeps its
    # widget ids stable, so Confirm is never lost between runs.
    st.rerun()
    return True  # not reached


def _dismiss() -> None:
    st.session_state.pop(CONFIRM_KEY, None)


@st.dialog("Confirm transaction", on_dismiss=_dismiss)
def _confirm_dialog() -> None:
    pending = st.session_state.get(CONFIRM_KEY)
    if not pending:
        st.info("This transaction was already sent or cancelled.")
        return
    plan: TxPlan = pending["plan"]
    st.markdown(f"**{plan.title}**")
    if plan.amount_wei:
        st.metric("Amount", og_text(plan.amount_wei))
    st.markdown("What will happen:")
    for line in plan.effects:
        st.markdown(f"- {line}")
    for line in plan.warnings:
        st.warning(line, icon=":material/warning:")
    st.caption(f"From wallet {plan.wallet}. Gas is paid from the wallet.")
    c1, c2 = st.columns(2)
    if c1.button("Confirm and send", type="primary", key="tx_confirm_btn", icon=":material/send:",
                 width="stretch"):
        _start(pending["token"])
        st.rerun()
    if c2.button("Cancel", key="tx_cancel_btn", width="stretch"):
        st.session_state.pop(CONFIRM_KEY, None)
        st.rerun()


def _start(token: str) -> None:
    """Consume the one-time token, then send in a worker thread."""
    pending = st.session_state.get(CONFIRM_KEY)
    if not pending or pending["token"] != token or in_flight():
        return  # already consumed: a rerun or double click must not send again
    del st.session_state[CONFIRM_KEY]
    from og_ui.session import get_client

    client = get_client()
    if client is None:
        return
    job = TxJob(token, pending["plan"])
    st.session_state[JOB_KEY] = job

    def work() -> None:
        try:
            job.result = client.execute(job.plan, progress=job.progress)
        except BaseException as exc:  # handed to the script thread, shown there
            job.error = exc
        finally:
            job.done.set()

    threading.Thread(target=work, name=f"tx-{token[:8]}", daemon=True).start()


def render() -> None:
    """Called by the app frame on every run: reopen a pending confirmation, follow a job in flight,
    and show the outcome of the last one."""
    if st.session_state.get(CONFIRM_KEY) and not in_flight():
        _confirm_dialog()
    job: TxJob | None = st.session_state.get(JOB_KEY)
    if job is not None:
        _follow(job)
    last: TxJob | None = st.session_state.get(LAST_KEY)
    if last is not None:
        _show_outcome(last)


def _follow(job: TxJob) -> None:
    status = st.status(f"Sending: {job.plan.title}", state="running", expanded=True)
    shown = 0
    while True:
        finished = job.done.wait(0.15)
        while shown < len(job.steps):
            step, text = job.steps[shown]
            status.write(text or STEP_WORDS.get(TxStep(step), step))
            shown += 1
        if finished:
            break
    if job.error is None and job.result is not None and job.result.status == "confirmed":
        status.update(label=f"Done: {job.plan.title}", state="complete", expanded=False)
        queue_toast(job.result.message or "Transaction confirmed.")
    else:
        status.update(label=f"Not done: {job.plan.title}", state="error", expanded=True)
        queue_toast("The transaction did not go through.", ":material/error:")
    st.session_state.pop(JOB_KEY, None)
    st.session_state[LAST_KEY] = job
    st.session_state.setdefault("tx_done_tokens", []).append(job.token)
    st.rerun()  # refresh balances everywhere


def _show_outcome(job: TxJob) -> None:
    box = st.container(border=True)
    with box:
        cols = st.columns([6, 1])
        if job.error is not None:
            with cols[0]:
                show_error(job.error)
        elif job.result is not None and job.result.status == "confirmed":
            cols[0].success(f"{job.result.message}  \nTransaction hash: `{job.result.tx_hash}`",
                            icon=":material/check_circle:")
        elif job.result is not None:
            cols[0].error(f"The transaction `{job.result.tx_hash}` was mined but reverted; nothing changed "
                          "except the gas fee.", icon=":material/error:")
        if cols[1].button("Dismiss", key="tx_last_dismiss"):
            st.session_state.pop(LAST_KEY, None)
            st.rerun()
