"""The attestation check of one provider as a step log: run in a background job (og_ui/jobs.py), its
steps drawn as they arrive, its result in words that never say "passed" when a step failed, and every
report downloadable exactly as the provider sent it."""

from __future__ import annotations

import streamlit as st

from og_core import AttestationLog, OgClient, Report, Step
from og_ui import jobs
from og_ui.inert import inert
from og_ui.jobs import Job

LOGS_KEY = "disc_attest_logs"  # provider → its last AttestationLog, this session
STEP_ICONS = {"success": ":material/check_circle:", "error": ":material/cancel:",
              "warning": ":material/warning:", "info": ":material/info:"}


def _job_key(provider: str) -> str:
    return f"disc_attest_{provider.lower()}"


def download_name(provider: str, report: Report) -> str:
    """`<provider-addr>-quote.json` for the /v1/quote report, `<provider-addr>-llm-report.json` for the
    model TEE's own report."""
    return f"{provider}-llm-report.json" if report.key == "llm" else f"{provider}-quote.json"


def _store(job: Job) -> None:
    if isinstance(job.result, AttestationLog):
        st.session_state.setdefault(LOGS_KEY, {})[job.data["provider"]] = job.result
    elif job.error is not None:
        st.session_state.setdefault(LOGS_KEY, {})[job.data["provider"]] = AttestationLog(
            job.data["provider"], "incomplete", f"The check stopped unexpectedly ({type(job.error).__name__}); "
            "nothing is confirmed. Try again.", tuple(job.notes))


def _steps(steps: list[Step] | tuple[Step, ...]) -> None:
    for step in steps:
        st.markdown(f"{STEP_ICONS.get(step.kind, '')} {inert(step.message, limit=1500)}")


def result(log: AttestationLog) -> None:
    """The outcome box: green only when every check ran and passed."""
    text = inert(log.summary, limit=600)
    if log.passed:
        st.success(text, icon=":material/verified:")
    elif log.outcome == "failed":
        st.error(text, icon=":material/gpp_bad:")
    else:  # incomplete or not applicable: nothing confirmed
        st.warning(text, icon=":material/help:")


def render(client: OgClient, provider: str) -> None:
    """The "Check attestation" button, the live step log while it runs, then the kept log with downloads."""
    key = _job_key(provider)
    if st.button("Check attestation", key="disc_attest_btn", icon=":material/shield:", disabled=jobs.running(key),
                 help="Fetches the provider's TEE report(s) and checks them step by step"):
        jobs.keep(key, _store)
        jobs.start(key, lambda job: client.attest(provider, on_step=job.note), label="Checking attestation…",
                   provider=provider)
    job = jobs.get(key)
    if job is not None and job.running:
        live = st.empty()
        with st.spinner("Checking the provider's attestation…"):
            shown = -1
            while not jobs.wait(job, 0.2):
                if len(job.notes) != shown:
                    shown = len(job.notes)
                    with live.container():
                        _steps(list(job.notes))
        live.empty()
    jobs.keep(key, _store)
    log = st.session_state.get(LOGS_KEY, {}).get(provider)
    if log is None:
        return
    result(log)
    checks = f"signer {sum(c.match for c in log.signer_checks)}/{len(log.signer_checks)} match · " \
        if log.signer_checks else ""
    st.caption(f"TEE verifier {inert(log.tee_verifier) or '—'} · {checks}"
               f"{len(log.downloads)} of {log.reports_needed} reports downloaded")
    with st.expander("Step log", expanded=not log.passed, icon=":material/list:"):
        _steps(log.steps)
    for n, report in enumerate(log.downloads):
        st.download_button(f"Download {report.title.lower()}", report.raw or b"",
                           file_name=download_name(provider, report), mime="application/json",
                           key=f"disc_attest_dl_{n}", icon=":material/download:",
                           help="Exactly the bytes the provider sent")
