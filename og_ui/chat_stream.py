"""The chat's answer as a background job (og_ui/jobs.py): streamed and verified in a worker, drawn by
the page at a bounded rate and length, ended early by Stop and kept with its caption and verification.

Why not st.write_stream in the script thread: it redraws the whole markdown for every piece, so a large
answer under og_core's caps (16 MB in a few hundred events) froze the browser tab for minutes with Stop
unclickable, although og_core had it all in a fraction of a second. Here the page redraws at most every
REDRAW_EVERY_S and only the first SHOWN_CHARS characters (as plain text, og_ui/inert.py); beyond that it says how long the answer is, and
once it ended offers the whole text as a download (the full text is kept with the answer).

A click anywhere reruns the page; the answer keeps streaming in its job, and every run follows it.
Stop (an on_click callback, so it acts before the next run draws anything) tells og_core's ChatStream
to end at once; what arrived is kept, marked "stopped", and billed only for that.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from og_core import ChatResult, OgClient, OgError, ServiceInfo
from og_ui import funding, jobs
from og_ui.inert import literal
from og_ui.jobs import Job
from og_ui.widgets import show_error

JOB = "chat"
MESSAGES_KEY = "chat_messages"  # [{"role", "content", and for answers "result", "verification", "verify_error"}]
FAILED_KEY = "chat_failed"  # {"prompt", "error"}: the question the provider just did not answer
REDRAW_EVERY_S = 0.15  # at most ~7 redraws a second, whatever the provider's pace
NOTE_EVERY_S = 1.0  # past SHOWN_CHARS only the "so far" size changes: once a second is enough
SHOWN_CHARS = 20_000  # drawn on the page; a longer answer is offered whole as a download


def messages() -> list[dict[str, Any]]:
    return st.session_state.setdefault(MESSAGES_KEY, [])


def busy() -> bool:
    """True while an answer is streaming (a new question then waits)."""
    return jobs.running(JOB)


def clear() -> None:
    st.session_state[MESSAGES_KEY] = []
    st.session_state.pop(FAILED_KEY, None)


def start(client: OgClient, svc: ServiceInfo, api_messages: list[dict[str, Any]], *, prompt: str,
          on_kept: Callable[[list[dict[str, Any]]], None] | None = None, **params: Any) -> bool:
    """Ask `svc` (the whole conversation in `api_messages`) in a background job. False when an answer is
    still streaming: nothing new is sent. `on_kept(messages)` gets the question and its answer when they
    go into the history (og_ui/chat_history.py writes them to the store); the history they go into is
    the one open now, even if another conversation is open by then."""
    if busy():
        return False
    jobs.keep(JOB, _store)  # a finished answer not shown yet goes into the history first
    st.session_state.pop(FAILED_KEY, None)

    def work(job: Job) -> dict[str, Any]:  # worker thread: og_core only
        stream = client.chat_stream(svc.provider, api_messages, model=svc.model, stop_event=job.stopping,
                                    **params)
        job.on_stop(stream.stop)  # ends a read waiting for a slow provider at once
        for piece in stream:
            job.note(piece)
        result: ChatResult = stream.result
        job.data["streamed"] = True  # the answer is complete; only its verification is left
        answer: dict[str, Any] = {"role": "assistant", "content": result.text, "result": result,
                                  "verification": None, "verify_error": None}
        try:
            answer["verification"] = client.verify(result)
        except OgError as exc:
            answer["verify_error"] = exc.message
        return answer

    return jobs.start(JOB, work, label="answer", prompt=prompt, svc=svc, history=messages(),
                      on_kept=on_kept) is not None


def _store(job: Job) -> None:
    """The finished job into session_state (jobs.keep: once, and whole): the question and its answer
    into the history, or the question and the refusal into FAILED_KEY."""
    if job.error is not None:
        funding.mark_underfunded(JOB, job.data["svc"], job.error)  # the funding box then takes over
        st.session_state[FAILED_KEY] = {"prompt": job.data["prompt"], "error": job.error}
        return
    history = job.data["history"]  # no session_state access from here on: a rerun can't cut this in two
    turn = [{"role": "user", "content": job.data["prompt"]}, job.result]
    if job.data["on_kept"] is not None:
        job.data["on_kept"](turn)
    history += turn


def _text(job: Job) -> tuple[str, int]:
    """(the first SHOWN_CHARS characters that arrived, the number of characters that arrived)."""
    pieces = list(job.notes)  # a snapshot: the worker keeps appending
    total = sum(len(p) for p in pieces)
    head, size = [], 0
    for piece in pieces:
        if size >= SHOWN_CHARS:
            break
        head.append(piece)
        size += len(piece)
    return "".join(head)[:SHOWN_CHARS], total


def size_text(chars: int) -> str:
    if chars < 1_000_000:
        return f"{chars:,} characters"
    return f"{chars:,} characters, {chars / 1_000_000:.1f} million"


def long_note(chars: int, *, finished: bool) -> str:
    """What the page says under an answer longer than it draws."""
    if finished:
        return (f"This answer is long ({size_text(chars)}): the first {SHOWN_CHARS:,} are shown here. "
                "The whole answer is kept: download it below or with the chat export.")
    return (f"A long answer is arriving ({size_text(chars)} so far): the first {SHOWN_CHARS:,} characters "
            "are shown here; the whole answer can be downloaded when it ends.")


def show_answer(text: str, *, key: str) -> None:
    """A finished answer, bounded: its first SHOWN_CHARS characters, then a note and a download of all of it
    (deferred: the text is handed over only when the button is clicked)."""
    if len(text) <= SHOWN_CHARS:
        literal(text)  # as typed: a provider's markdown never renders (og_ui/inert.py)
        return
    literal(text[:SHOWN_CHARS])
    st.caption(long_note(len(text), finished=True))
    st.download_button("Download the whole answer", lambda: text, file_name="answer.md", mime="text/markdown",
                       key=f"{key}_full", icon=":material/download:", on_click="ignore")


def follow() -> None:
    """Call on every run of the Chat page, after the history: the question in flight and its answer as it
    arrives (with Stop), kept into the history when it ends, then a rerun that shows it there with its
    cost and verification. With nothing in flight: the last unanswered question and why."""
    job = jobs.get(JOB)
    if job is None:
        _show_failure()
        return
    with st.chat_message("user"):
        literal(job.data["prompt"])
    with st.chat_message("assistant"):
        answer_box, note_box, stop_slot = st.empty(), st.empty(), st.empty()
        if job.stopping.is_set():
            stop_slot.caption("Stopping… what arrived is kept.")
        elif job.running and not job.data.get("streamed"):
            stop_slot.button("Stop", key="chat_stop", icon=":material/stop_circle:", on_click=jobs.stop,
                             args=(JOB,), help="Stop the answer here. You keep what arrived, and pay only for it.")
        drawn, noted, stop_shown = -1, 0.0, True
        while True:
            finished = jobs.wait(job, REDRAW_EVERY_S)  # also where a click's rerun may take over
            head, total = _text(job)
            if total != drawn and drawn < SHOWN_CHARS:  # past it, the drawn part no longer changes
                if head:
                    literal(head, where=answer_box)
                else:
                    answer_box.caption("Waiting for the first words…")
                drawn = total
            if total > SHOWN_CHARS and time.monotonic() - noted >= NOTE_EVERY_S:
                note_box.caption(long_note(total, finished=False))  # only the size changes: seldom
                noted = time.monotonic()
            if stop_shown and (finished or job.data.get("streamed")):
                if finished:
                    stop_slot.empty()
                else:
                    stop_slot.caption("Checking the answer's signature…")
                stop_shown = False
            if finished:
                break
    jobs.keep(JOB, _store, job=job)
    st.rerun()  # the history shows the answer with its cost and verification, or the failure below it


def _show_failure() -> None:
    """The unanswered question and why, once (in the run right after it failed): the history stays as it
    was, so the next run shows the conversation without it."""
    failed = st.session_state.pop(FAILED_KEY, None)
    if not failed:
        return
    with st.chat_message("user"):
        literal(failed["prompt"])
    with st.chat_message("assistant"):
        show_error(failed["error"])
