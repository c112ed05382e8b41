"""Every transaction goes plan → confirmation dialog → background send with st.status → toast.

The send is a background job (og_ui/jobs.py): a click elsewhere interrupts the script run, and a
send in the script thread could lose its result (or tempt a resend) there.

Idempotency: the dialog carries a one-time token kept in session_state; Confirm consumes it
*before* the transaction starts, so a rerun or a double click can never send twice.

Other sessions: a reload or a second tab is a new Streamlit session that cannot see this one's job.
og_core keeps the wallet's state per process (a send in progress, a pending tx), so `busy_reason`
and the notice rendered by `render` ask it too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import streamlit as st

from og_core import (
    OgClient,
    OgError,
    TxKind,
    TxPlan,
    TxRecord,
    TxStep,
    TxTimeoutError,
    short_address,
)
from og_ui import jobs, local_store
from og_ui.inert import clean
from og_ui.jobs import Job
from og_ui.widgets import og_text, queue_toast, show_error

CONFIRM_KEY = "tx_confirm"  # {"token": str, "plan": TxPlan, "names": {address: model}, "page": str}
JOB = "tx"  # the send in flight (or just finished): a jobs.Job with data {"plan", "page"}, steps in notes
LAST_KEY = "tx_last"  # last finished job: an error until dismissed, a success on its own page only
PAGE_KEY = "tx_page"  # url path of the page this run shows (set by `render`)
WATCH_KEY = "tx_watch"  # the other session's / pending TxRecord the notice is following
# Pages that keep a success box with the hash. Elsewhere (Discover, Chat, media) the toast is enough:
# a box there would sit above the user's work long after the funding.
BANNER_PAGES = {"wallet"}
WATCH_EVERY_S = 2.0  # how often the notice looks at the wallet's state (in memory; chain only if pending)

STEP_WORDS = {
    TxStep.CHECKING: "Checking the contract rules",
    TxStep.SIMULATING: "Simulating the transaction (nothing is spent if it would fail)",
    TxStep.SIGNING: "Signing with your wallet",
    TxStep.SENT: "Sent, waiting for the block",
    TxStep.CONFIRMED: "Confirmed on-chain",
    TxStep.FAILED: "Failed",
}


def in_flight() -> bool:
    return jobs.running(JOB)


def busy_reason(client: OgClient | None) -> str | None:
    """Why transaction buttons are disabled right now, else None: this session's job, or the wallet's
    state in og_core, shared by every session (another tab, the session before a reload)."""
    if in_flight():
        return "A transaction is being sent."
    if client is not None and not client.read_only:
        reason = client.busy()  # a pending tx: looked up, so a mined one unblocks here
        if reason:
            return reason
        activity = client.activity()
        if activity.record is not None:
            return (f"Transaction {activity.record.tx_hash} ({activity.record.what}) is waiting to be confirmed; "
                    "it was sent from another tab or before this page was reloaded.")
        if activity.sending:
            return "Another tab or session of this wallet is sending a transaction."
    return None


def amount_text(kind: TxKind | str, amount_wei: int, requested_wei: int = 0) -> str:
    """The money a transaction moves, in words: a refund request shows what it asks back."""
    if kind != TxKind.RETRIEVE:
        return og_text(amount_wei) if amount_wei else "—"
    parts = ([f"{og_text(amount_wei)} collected"] if amount_wei else []) + (
        [f"{og_text(requested_wei)} requested back"] if requested_wei else [])
    return " · ".join(parts) or "—"


def _provider_names(client: OgClient, plan: TxPlan) -> dict[str, str]:
    """Model names of the plan's providers, read once when the dialog opens (og_core's cached list)."""
    if not plan.providers:
        return {}
    try:
        by_addr = {s.provider.lower(): s for s in client.services()}
    except OgError:
        return {}  # the address alone still identifies it
    return {p: f"{by_addr[p.lower()].model} ({by_addr[p.lower()].service_type})"
            for p in plan.providers if p.lower() in by_addr}


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
    st.session_state[CONFIRM_KEY] = {"token": uuid.uuid4().hex, "plan": plan, "names": _provider_names(client, plan),
                                      "page": st.session_state.get(PAGE_KEY, "")}
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
    # Only what og_core computed; the provider's own name for its service comes last, in a box apart.
    st.markdown(f"**{plan.title}**")
    if plan.amount_wei:
        st.metric("Amount", og_text(plan.amount_wei))
    if plan.requested_wei:
        st.metric("Requested back", og_text(plan.requested_wei), help="Collectable after the lock time")
    for address in plan.providers:
        st.markdown(f"Provider: `{address}`")
    st.markdown("What will happen:")
    for line in plan.effects:
        st.markdown(f"- {line}")
    for number, step in enumerate(plan.steps, 1):  # a set-up: each transaction it sends, in order
        with st.container(border=True, key=f"tx_step_{number}"):
            st.markdown(f"**Transaction {number} of {len(plan.steps)}: {step.title}**")
            for line in step.effects:
                st.markdown(f"- {line}")
    for line in plan.warnings:
        st.warning(line, icon=":material/warning:")
    # estimated once when the plan was made (og_core): no chain call per rerun here
    gas = ("Gas is estimated when it is sent" if plan.gas_fee_wei is None
           else f"Gas: about {og_text(plan.gas_fee_wei, 8)}")
    st.caption(f"From wallet {plan.wallet}. {gas}, paid from the wallet.")
    names: dict[str, str] = pending.get("names", {})
    for address in plan.providers:
        if address in names:  # provider-written: plain text in a box of its own, never part of the above
            with st.container(border=True, key=f"tx_provider_name_{address}"):
                st.caption(f"How provider {short_address(address)} names its service (its own words, "
                           "not checked by this app):")
                st.text(clean(names[address], limit=200))
    from og_ui.session import get_client

    client = get_client()
    # A tx of unknown fate blocks the wallet (og_core would refuse); a send in progress elsewhere only
    # delays this one: og_core sends one at a time, re-checking the rules after the other one.
    blocked = client.busy() if client is not None and not client.read_only else None
    if blocked:
        st.warning(f"Wait before confirming: {blocked}", icon=":material/hourglass_top:")
    elif client is not None and not client.read_only and client.activity().busy:
        st.info("Another transaction from this wallet is being sent (another tab?). Yours will be sent after it, "
                "once the rules are checked again.", icon=":material/hourglass_top:")
    c1, c2 = st.columns(2)
    if c1.button("Confirm and send", type="primary", key="tx_confirm_btn", icon=":material/send:",
                 width="stretch", disabled=blocked is not None):
        _start(pending["token"])
        st.rerun()
    if c2.button("Cancel", key="tx_cancel_btn", width="stretch"):
        st.session_state.pop(CONFIRM_KEY, None)
        st.rerun()


def _start(token: str) -> None:
    """Consume the one-time token, then send in a background job."""
    pending = st.session_state.get(CONFIRM_KEY)
    if not pending or pending["token"] != token or in_flight():
        return  # already consumed: a rerun or double click must not send again
    del st.session_state[CONFIRM_KEY]
    from og_ui.session import get_client

    client = get_client()
    if client is None:
        return
    plan: TxPlan = pending["plan"]
    where = local_store.scoped(client)

    def work(job: Job):  # worker thread: og_core only
        result = client.execute(plan, progress=lambda step, text: job.note((str(step), text)))
        if where is not None:  # this app's note, merged into the chain's history (og_ui/tx_history.py)
            try:
                where[0].add_tx_note(where[1], result.tx_hash, {
                    "kind": str(plan.kind), "what": plan.title, "amount_wei": str(result.plan.amount_wei),
                    "requested_wei": str(plan.requested_wei), "providers": list(plan.providers)})
            except OgError:  # the transaction went through: a missing note must not say otherwise
                pass
        return result

    jobs.start(JOB, work, label=plan.title, plan=plan, page=pending.get("page", ""))


def render(page: str = "") -> None:
    """Called by the app frame on every run with the page's url path: reopen a pending confirmation,
    follow a job in flight (or the wallet's tx sent by another session), show the last outcome."""
    st.session_state[PAGE_KEY] = page
    if st.session_state.get(CONFIRM_KEY) and not in_flight():
        _confirm_dialog()
    job = jobs.get(JOB)
    if job is not None:
        _follow(job)
    else:
        from og_ui.session import get_client

        client = get_client()
        if client is not None and busy_reason(client) is not None:  # no job of ours: another session's send, or a pending tx
            _watch(client)
    last: Job | None = st.session_state.get(LAST_KEY)
    if last is not None and _succeeded(last) and last.data["page"] != page:
        st.session_state.pop(LAST_KEY, None)  # a success box stays on its own page; the toast said it
        last = None
    if last is not None:
        _show_outcome(last)


def _succeeded(job: Job) -> bool:
    return job.error is None and job.result is not None and job.result.status == "confirmed"


@st.fragment(run_every=WATCH_EVERY_S)
def _watch(client: OgClient) -> None:
    """The wallet's transaction sent by another session (another tab, this tab before a reload),
    followed until og_core knows its fate; then the whole page reruns so the buttons come back."""
    reason = busy_reason(client)
    activity = client.activity()
    record: TxRecord | None = activity.record or st.session_state.get(WATCH_KEY)
    if reason is None:
        watched: TxRecord | None = st.session_state.pop(WATCH_KEY, None)
        if watched is not None:
            ok = watched.status == "confirmed"
            queue_toast(f"{watched.what}: {watched.status}.", ":material/check_circle:" if ok else ":material/error:")
        st.rerun(scope="app")
    if activity.record is not None:
        st.session_state[WATCH_KEY] = activity.record
    with st.container(border=True, key="tx_wallet_busy"):
        if record is not None and record.status == "pending":
            st.warning(f"**Transactions are paused:** a transaction from this wallet, sent from another tab or "
                       f"before this page was reloaded, is waiting to be confirmed.  \n**{record.what}** · "
                       f"{amount_text(record.kind, record.amount_wei, record.requested_wei)}  \n"
                       f"Transaction hash: `{record.tx_hash}`", icon=":material/hourglass_top:")
        else:
            st.warning(f"**Transactions are paused:** {reason}", icon=":material/hourglass_top:")
        st.caption(f"This notice follows it by itself (every {WATCH_EVERY_S:g} s) and clears once it is confirmed.")


def _follow(job: Job) -> None:
    title = job.data["plan"].title
    status = st.status(f"Sending: {title}", state="running", expanded=True)
    shown = 0
    while True:
        finished = jobs.wait(job, 0.15)
        while shown < len(job.notes):
            step, text = job.notes[shown]
            status.write(text or STEP_WORDS.get(TxStep(step), step))
            shown += 1
        if finished:
            break
    if _succeeded(job):
        status.update(label=f"Done: {title}", state="complete", expanded=False)
    elif isinstance(job.error, TxTimeoutError):  # sent, fate unknown yet: it may still go through
        status.update(label=f"Pending: {title}", state="running", expanded=True)
    else:
        status.update(label=f"Not done: {title}", state="error", expanded=True)
    jobs.keep(JOB, _store, job=job)
    st.rerun()  # refresh balances everywhere


def _store(job: Job) -> None:
    """The finished send's outcome into session_state (jobs.keep: once, and whole). One notification
    per transaction: the box (with its hash, or what went wrong) where one is kept, else a toast; never
    both, so no toast lies over the box's hash or its Dismiss button."""
    if _succeeded(job) and job.data["page"] not in BANNER_PAGES:
        st.session_state.pop(LAST_KEY, None)  # an older box would now be stale
        queue_toast(job.result.message or "Transaction confirmed.")  # last: a cut-off store runs again whole
    else:
        st.session_state[LAST_KEY] = job


def _show_outcome(job: Job) -> None:
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
