"""Shared bits of the media pages: validating uploads, running a paid request once (a background
job, og_ui/jobs.py), the session gallery, the result's cost line and what the local engines do.

While a request runs its button is disabled and a second send is refused; every run waits for it
under a spinner and shows its result when it is done, on whichever page the user is.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from og_core import (
    MAX_IMAGE_PIXELS,
    ImageRejected,
    ImageResult,
    Network,
    OgClient,
    OgError,
    ServiceInfo,
    TranscriptResult,
)
from og_core import check_image as check_core_image
from og_ui import costs, funding, jobs, local_store, media_history
from og_ui.exports import download_name
from og_ui.inert import inert
from og_ui.jobs import Job
from og_ui.widgets import count_text, model_md, show_error, usage_caption, verification_badge

AUDIO_TYPES = ["wav", "mp3", "m4a", "ogg", "webm"]
IMAGE_TYPES = ["png", "jpg", "jpeg", "webp"]

GALLERY_KEY = "img_gallery"  # list of {"id", "prompt", "png", "model", "kind"}, oldest first
GALLERY_MAX = 24  # the newest 24 are shown (and held in memory); the store keeps them all

# What the local network's offline engines (og_devnet/engines) really do, by service type.
LOCAL_ENGINES = {
    "text-to-image": "The local network draws procedural pictures of the everyday subjects, colours, counts "
                     "and scene words your prompt names (a red house at night, three boats at sea…) — it is a "
                     "stand-in for a real model. The same prompt and seed give the same picture.",
    "image-editing": "The local network edits with plain Pillow operations and understands only: black and "
                     "white, sepia, invert, blur, sharpen, rotate, flip or mirror, brighten or darken, contrast, "
                     "saturation, crop, resize and a caption in quotes. An instruction with a part it does not "
                     "understand is refused, not guessed.",
    "speech-to-text": "The local network transcribes offline with PocketSphinx's small US-English model: "
                      "best on clear English speech, far less accurate than Whisper-class models.",
}


def local_note(client: OgClient, service_type: str) -> None:
    """On the local network, one honest line about what its stand-in engine can do."""
    if client.network == Network.LOCAL and service_type in LOCAL_ENGINES:
        st.caption(f":material/info: {LOCAL_ENGINES[service_type]}")


# --- uploads ----------------------------------------------------------------------------------------

def check_image(data: bytes) -> str | None:
    """None when `data` is an image the app decodes (og_core's check: format and pixel budget, read
    from the header first), else a plain sentence saying why not."""
    if not data:
        return "The file is empty."
    try:
        check_core_image(data)
    except ImageRejected as exc:
        return (f"That file {exc.reason}. Upload a PNG, JPEG or WebP picture of at most "
                f"{MAX_IMAGE_PIXELS:,} pixels.")
    return None


NOT_AUDIO = "That file is not audio we can read (wav, mp3, m4a, ogg or webm)."


def check_audio(data: bytes) -> str | None:
    """None when `data` decodes as audio with at least one sample, else a plain sentence saying why not.

    Checked before paying a provider. Cheap: it opens the container and decodes only until the first
    frame with samples (milliseconds, whatever the file's length)."""
    import av

    if not data:
        return "The audio file is empty."
    if len(data) < 64:
        return "That audio file is too short to contain any sound. Upload or record a longer clip."
    samples = 0
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                return NOT_AUDIO
            for frame in container.decode(container.streams.audio[0]):
                samples += frame.samples
                if samples:
                    break
    except (av.FFmpegError, ValueError, OSError, IndexError, EOFError):  # any decoder refusal: not audio
        return NOT_AUDIO
    if not samples:
        return "That audio file has no sound in it (its length is zero). Upload or record a longer clip."
    return None


def audio_seconds(data: bytes) -> float | None:
    """The clip's duration from its container (PyAV), without decoding it; None when it does not say."""
    import av

    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if container.duration:
                return container.duration / av.time_base
            stream = container.streams.audio[0]
            if stream.duration and stream.time_base:
                return float(stream.duration * stream.time_base)
    except (av.FFmpegError, ValueError, OSError, IndexError, EOFError):
        return None
    return None


# --- one paid request at a time per page --------------------------------------------------------------
# Each request is a background job (og_ui/jobs.py) under the page's key ("img", "edit", "stt", "cmp"),
# data {"svc", "fields", "record_key", "on_done"}; the work adds "verification" and "verify_error".


def busy(key: str) -> bool:
    """True while this page's paid request is in flight (its button is then disabled)."""
    return jobs.running(key)


def start(client: OgClient, svc: ServiceInfo | None, *, key: str, label: str, call: Callable[[], Any],
          verify: bool = True, record_key: str | None = None,
          on_done: Callable[[dict[str, Any]], None] | None = None, **fields: Any) -> bool:
    """Send one paid request in a background job, unless one is already in flight for `key`.

    When it finishes, `follow` keeps {**fields, "result", "verification", "verify_error"} in
    session_state[record_key or f"{key}_last"] and calls `on_done(record)` (script thread), or keeps
    the error in f"{key}_failed". Returns True when the request was sent."""
    if jobs.running(key):
        st.info("Your previous request is still running: its result appears below. Nothing new was sent.",
                icon=":material/hourglass_top:")
        return False
    jobs.keep(key, _store)  # finished but not shown yet: keep its result before the new job replaces it

    def work(job: Job) -> Any:  # worker thread: og_core only, never st.*
        result = call()
        if verify:
            try:
                job.data["verification"] = client.verify(result)
            except OgError as exc:
                job.data["verify_error"] = exc.message
        return result

    st.session_state.pop(f"{key}_failed", None)
    return jobs.start(key, work, label=label, svc=svc, fields=fields, record_key=record_key or f"{key}_last",
                      on_done=on_done) is not None


def _store(job: Job) -> None:
    """A finished request's outcome into session_state (jobs.keep: once, and whole)."""
    data = job.data
    if job.error is not None:
        if data["svc"] is not None:
            funding.mark_underfunded(job.key, data["svc"], job.error)
        st.session_state[f"{job.key}_failed"] = {**data["fields"], "error": job.error}
        return
    record = {**data["fields"], "result": job.result, "verification": data.get("verification"),
              "verify_error": data.get("verify_error"), "finished_at": time.time()}
    st.session_state[data["record_key"]] = record
    if data["on_done"] is not None:  # last: see add_to_gallery
        data["on_done"](record)


def follow(key: str) -> None:
    """Call on every run after the page's button: wait for a request in flight under a spinner (a rerun
    lands here again and keeps waiting), keep its outcome, then rerun so the page shows it with the
    button enabled again."""
    job = jobs.get(key)
    if job is None:
        return
    if job.running:
        with st.spinner(job.label):
            note = st.empty()
            shown = -1
            while not jobs.wait(job, 0.2):
                if job.seconds != shown:
                    note.caption(f"Running for {job.seconds} s. Clicking again does not send another request; "
                                 "the result appears here when it is done.")
                    shown = job.seconds
    jobs.keep(key, _store, job=job)
    st.rerun()


def show_failure(key: str) -> None:
    """The last request's refusal, in words (kept until the next request)."""
    failed = st.session_state.get(f"{key}_failed")
    if failed:
        show_error(failed["error"])
        if failed.get("name"):
            st.caption(f"That was the request for “{inert(failed['name'])}”.")


def outcome(key: str) -> dict[str, Any] | None:
    """After the page's button: `follow` the request in flight, show its refusal if it failed, and
    return the last result kept under `key` (None before the first)."""
    follow(key)
    show_failure(key)
    return st.session_state.get(f"{key}_last")


# --- the gallery: this wallet's images, kept in the local store (og_ui/media_history.py) --------------

GALLERY_JOBS = ("img", "edit")  # requests whose images go into the gallery (text-to-image, image editing)
GALLERY_BOUND = "img_gallery_bound"  # whose images GALLERY_KEY holds (the store scope, None: read-only)


def collect_finished(key: str) -> None:
    """Keep the outcome of `key`'s request if it has finished, without waiting or rerunning (for a page
    that is not the one that sent it)."""
    jobs.keep(key, _store)


def gallery(client: OgClient) -> list[dict[str, Any]]:
    """The wallet's gallery, oldest first: loaded from the store when the wallet changed, including
    images of requests that finished on another page."""
    where = local_store.scoped(client)
    scope = where[1] if where else None
    if GALLERY_BOUND not in st.session_state or st.session_state[GALLERY_BOUND] != scope:
        st.session_state[GALLERY_KEY] = media_history.load_gallery(where, GALLERY_MAX)
        st.session_state[GALLERY_BOUND] = scope
    for key in GALLERY_JOBS:
        collect_finished(key)
    return st.session_state.get(GALLERY_KEY, [])


def add_to_gallery(client: OgClient, pngs: tuple[bytes, ...] | list[bytes], *, prompt: str, model: str,
                   kind: str) -> None:
    """Append images (to the store too, when the wallet has one) and keep only the newest GALLERY_MAX.

    Every session_state access comes before anything is written: a rerun can strike only at such an
    access, so the images are added whole or not at all (jobs.keep then runs this again)."""
    where = local_store.scoped(client)
    bound = st.session_state.get(GALLERY_BOUND, where[1] if where else None)
    items = st.session_state.setdefault(GALLERY_KEY, [])
    next_id = st.session_state.get("img_gallery_next_id", 1)
    st.session_state["img_gallery_next_id"] = next_id + len(pngs)
    for i, png in enumerate(pngs):
        kept = media_history.keep_image(where, png, prompt=prompt, model=model, kind=kind) if where else None
        if where is None or bound == where[1]:  # the page shows this wallet's gallery
            items.append({"id": kept if kept is not None else f"s{next_id + i}", "prompt": prompt, "png": png,
                          "model": model, "kind": kind, "time": time.time()})
    del items[:-GALLERY_MAX]


def gallery_label(item: dict[str, Any]) -> str:
    return f"#{item['id']} {item['kind']}: {item['prompt'][:50]}"


def gallery_file_name(item: dict[str, Any]) -> str:
    """What a gallery image is called when downloaded: model, prompt, time and its gallery number."""
    return download_name(item["model"], item["prompt"], item.get("time"), "png", n=item["id"])


def show_gallery(client: OgClient) -> None:
    """The wallet's gallery, newest first, each image with its own download."""
    items = gallery(client)
    if not items:
        return
    kept = "kept on this computer for this wallet" if not client.read_only else "this session only"
    label = (f"Gallery ({count_text(len(items), 'image')}, newest first, {kept}; the newest "
             f"{GALLERY_MAX} are shown)")
    with st.expander(label, icon=":material/photo_library:"):
        cols = st.columns(4)
        for i, item in enumerate(reversed(items)):
            with cols[i % 4]:
                st.image(item["png"], caption=gallery_label(item), width="stretch")
                st.download_button("Download", item["png"], file_name=gallery_file_name(item),
                                   mime="image/png", key=f"img_gallery_dl_{item['id']}",
                                   icon=":material/download:")


# --- result block -----------------------------------------------------------------------------------

def result_footer(last: dict[str, Any], *, svc: ServiceInfo | None = None, tokens: str | None = None) -> None:
    """Usage, cost (in the service's unit, when `svc` is the one that answered), latency and model of
    the kept result, then its verification badge."""
    result: ImageResult | TranscriptResult = last["result"]
    priced_by = svc if svc is not None and svc.provider == result.provider else None
    st.caption(usage_caption(tokens=tokens, cost_wei=result.cost_wei, latency_ms=result.latency_ms,
                             cost_text=costs.media_cost_text(result, priced_by)) + f" · {model_md(result.model)}")
    verification_badge(last["verification"])
    if last["verify_error"]:
        st.caption(f"Could not verify: {inert(last['verify_error'])}")
