"""Offline speech-to-text: PyAV decodes any common container, pocketsphinx transcribes.

This is CMU PocketSphinx's small built-in US-English model: it needs about 0.75 s of one core per
second of audio and is far less accurate than Whisper-class models. Audio is decoded and resampled
to 16 kHz mono s16.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

import av
import numpy as np

from .errors import EngineError

SAMPLE_RATE = 16_000
# What the engine transcribes within the broker's 100 s processing limit: it needs about 0.75 s of
# CPU per second of audio (a 107 s clip: 79 s), so longer clips are refused at once, not cut off late.
MAX_DURATION_S = 120.0
MAX_INPUT_BYTES = 25 * 1024 * 1024  # same upload cap as OpenAI's transcription API
# Peak amplitude (of 32767) below which we call the audio silent.
_SILENCE_PEAK = 300

_decoder_lock = threading.Lock()
_decoder = None  # pocketsphinx.Decoder, loaded once (≈0.3 s); not thread-safe, hence the lock


@dataclass
class Transcript:
    text: str
    duration_s: float
    tokens: int


def _get_decoder():
    global _decoder
    if _decoder is None:
        from pocketsphinx import Decoder

        _decoder = Decoder(loglevel="FATAL")
    return _decoder


def decode_audio(audio: bytes) -> np.ndarray:
    """Decode any audio container PyAV/FFmpeg understands into 16 kHz mono int16 samples."""
    if not audio:
        raise EngineError("The uploaded audio file is empty.")
    if len(audio) > MAX_INPUT_BYTES:
        raise EngineError(f"The audio file is too large (max {MAX_INPUT_BYTES // (1024 * 1024)} MB).")
    max_samples = int(MAX_DURATION_S * SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        with av.open(io.BytesIO(audio), mode="r") as container:
            if not container.streams.audio:
                raise EngineError("The uploaded file has no audio track.")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    arr = out.to_ndarray().reshape(-1)
                    chunks.append(arr)
                    total += arr.size
                if total > max_samples:
                    raise EngineError(f"The audio is longer than the {MAX_DURATION_S / 60:g}-minute limit.")
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except EngineError:
        raise
    except (av.FFmpegError, ValueError, IndexError, OSError) as exc:
        raise EngineError(
            "Could not decode the audio file; upload WAV, MP3, M4A, OGG, WebM or FLAC audio."
        ) from exc
    if not chunks:
        raise EngineError("The audio file contains no samples.")
    return np.concatenate(chunks).astype(np.int16, copy=False)


def transcribe(audio: bytes, *, filename: str | None = None, language: str | None = None) -> Transcript:
    """Transcribe English speech; `filename` is only informational (the container is sniffed)."""
    if language and not language.lower().startswith("en"):
        raise EngineError(f"Language {language!r} is not supported; the local speech model is English-only ('en').")
    samples = decode_audio(audio)
    duration = samples.size / SAMPLE_RATE
    if samples.size < SAMPLE_RATE // 10:
        raise EngineError("The audio is too short to transcribe (under 0.1 s).")
    if int(np.abs(samples.astype(np.int32)).max()) < _SILENCE_PEAK:
        raise EngineError("The audio is silent; no speech to transcribe.")
    with _decoder_lock:
        decoder = _get_decoder()
        decoder.start_utt()
        # full_utt=True normalises cepstra over the whole clip: more accurate than live mode, and
        # deterministic (live mode carries its running CMN estimate over from the previous request).
        decoder.process_raw(samples.tobytes(), False, True)
        decoder.end_utt()
        hyp = decoder.hyp()
        text = hyp.hypstr.strip() if hyp is not None else ""
    if not text:
        raise EngineError("No speech was recognised in the audio.")
    return Transcript(text=text, duration_s=round(duration, 3), tokens=len(text.split()))
