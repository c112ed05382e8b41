"""Speech-to-text: upload or record audio → transcript with copy/download, cost and verification."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import streamlit as st

from og_ui import costs, funding, media, media_history, services, session
from og_ui.inert import inert
from og_ui.widgets import count_text

st.title("Speech-to-text")
client = session.require_client()
svc = services.require(client, "speech-to-text", key="stt_provider", label="Speech-to-text provider")
media.local_note(client, "speech-to-text")
can_pay = funding.gate(client, svc, key="stt")

source = st.radio("Audio", ["Upload a file", "Record with the microphone"], horizontal=True, key="stt_source")
audio: bytes | None = None
name = "audio.wav"
if source == "Upload a file":
    up = st.file_uploader("Audio file (wav, mp3, m4a, ogg, webm)", type=media.AUDIO_TYPES, key="stt_upload")
    if up is not None:
        audio, name = up.getvalue(), up.name
else:
    rec = st.audio_input("Record", sample_rate=16000, key="stt_record")
    if rec is not None:
        audio, name = rec.getvalue(), "recording.wav"
        st.caption("The browser records only on localhost or HTTPS.")

if audio is not None:
    problem = media.check_audio(audio)
    if problem:
        st.error(problem, icon=":material/error:")
        audio = None
    else:
        st.audio(audio, format=f"audio/{Path(name).suffix.lstrip('.') or 'wav'}")
        if (seconds := media.audio_seconds(audio)) is not None:
            st.caption(costs.transcript_estimate_text(svc, seconds))
# Which clip a transcript belongs to: names repeat ("recording.wav"), the bytes do not.
digest = hashlib.sha256(audio).hexdigest() if audio is not None else None
language = st.text_input("Language (optional, e.g. en)", key="stt_language", max_chars=8)
st.caption(costs.media_estimate_text(svc))

running = media.busy("stt")
if st.button("Transcribe", key="stt_run", type="primary", icon=":material/subtitles:",
             disabled=not can_pay or running, help="Transcribing… the transcript appears below." if running else None):
    if audio is None:
        st.warning("Upload or record some audio first.", icon=":material/mic:")
    else:
        clip, filename, lang = audio, name, language.strip() or None
        media.start(client, svc, key="stt", label=f"Transcribing {filename}…", name=filename, digest=digest,
                    on_done=lambda record: media_history.keep_transcript(client, record),
                    call=lambda: client.transcribe(svc.provider, clip, filename=filename, language=lang,
                                                   model=svc.model))
last = media.outcome("stt")
if last:
    r = last["result"]
    st.subheader(f"Transcript of {inert(last['name'])}", anchor=False)
    if digest is not None and last.get("digest") != digest:
        st.info(f"This transcript is of the earlier file “{inert(last['name'])}”, not of the audio selected now. "
                "Press Transcribe for the new one.", icon=":material/history:")
    st.code(r.text or "(no speech recognised)", language=None, wrap_lines=True)
    stem = Path(last["name"]).stem
    d1, d2 = st.columns(2)
    d1.download_button("Download .txt", r.text, file_name=f"{stem}.txt", mime="text/plain", key="stt_dl_txt",
                       icon=":material/download:")
    d2.download_button("Download .json", json.dumps({
        "text": r.text, "model": r.model, "provider": r.provider, "chat_id": r.chat_id,
        "usage": {"prompt_tokens": r.usage.prompt_tokens, "completion_tokens": r.usage.completion_tokens},
        "cost_og": str(r.cost_og), "latency_ms": round(r.latency_ms, 1),
        "verification": None if last["verification"] is None else str(last["verification"].status)}, indent=2),
        file_name=f"{stem}.json", mime="application/json", key="stt_dl_json", icon=":material/data_object:")
    media.result_footer(last, svc=svc, tokens=count_text(r.usage.total_tokens, "token"))
else:
    st.info("Upload a recording or use the microphone, then press Transcribe. The transcript has a copy button.",
            icon=":material/mic:")

media_history.show_transcripts(client)
