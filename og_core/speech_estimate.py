"""What a speech-to-text request will cost, before it is sent. Providers price speech-to-text per 1M
output tokens (the transcript's tokens), which the user cannot know in advance; the clip's duration is
known, so the estimate goes through a typical speaking rate, and says so."""

from __future__ import annotations

import math
from dataclasses import dataclass

SPEECH_TOKENS_PER_MINUTE = 200  # ~150 spoken words a minute at ~1.3 tokens a word: a typical speaking rate


@dataclass(frozen=True)
class TranscriptEstimate:
    seconds: float  # the clip's duration
    tokens: int  # estimated output tokens of its transcript
    cost_wei: int  # tokens × the output price per token
    per_minute_wei: int  # what a minute of speech costs at this rate


def estimate_transcript(seconds: float, output_price_wei: int) -> TranscriptEstimate:
    """The estimate for a clip of `seconds`, at `output_price_wei` per output token (as on-chain)."""
    seconds = max(0.0, float(seconds))
    tokens = math.ceil(seconds / 60 * SPEECH_TOKENS_PER_MINUTE)
    return TranscriptEstimate(seconds, tokens, tokens * output_price_wei, SPEECH_TOKENS_PER_MINUTE * output_price_wei)


def duration_text(seconds: float) -> str:
    """5.3 → '5.3 s'; 115 → '1 min 55 s'."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"
