"""Offline chat engine for the local network's chatbot providers. Not a language model.

Answer sources, in order: exact arithmetic; a built-in knowledge base about 0G Compute and this
playground; retrieval from the chatterbot English corpus; a seeded Markov sentence. A long prompt
(a paragraph, several sentences) is matched sentence by sentence — its question sentences first —
since as a whole it never resembles one knowledge entry or corpus line; when nothing matches, it
gets a short honest reply instead of a Markov sentence, which would read as an answer that ignores
the question. The answer is streamed as word/punctuation pieces; one piece = one completion token,
and prompts are counted with the same tokenizer.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterator

from . import arithmetic, corpus, knowledge, styles
from .errors import EngineError

# A piece is optional leading whitespace plus a word (with an inner apostrophe) or one symbol.
_PIECE = re.compile(r"\s*(?:\w+(?:'\w+)*|[^\w\s])|\s+$")
MESSAGE_OVERHEAD = 3  # tokens per message for role/separators, as OpenAI counts them
REPLY_PRIMING = 3
ROLES = {"system", "developer", "user", "assistant", "tool"}
MAX_PROMPT_CHARS = 200_000
LONG_FALLBACK = (
    "I can't answer that well — I'm {model}, a small offline stand-in on the local 0G network, not a large "
    "language model, so I don't know most topics. I can do exact arithmetic, explain 0G Compute and this "
    "playground (ledgers, funding providers, fees, refunds, TEE verification), and make a little small talk."
)


def tokenize(text: str) -> list[str]:
    """Split text into pieces that concatenate back to exactly `text`."""
    return _PIECE.findall(text)


def _content_text(content: object) -> str:
    """OpenAI content is a string or a list of parts; only text parts count here."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif isinstance(part, str):
                texts.append(part)
        return "\n".join(texts)
    raise EngineError("message content must be a string or a list of content parts")


def _validate(messages: list[dict]) -> list[tuple[str, str]]:
    if not isinstance(messages, list) or not messages:
        raise EngineError("messages must be a non-empty list")
    out = []
    total = 0
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise EngineError(f"messages[{i}] must be an object with role and content")
        role = msg.get("role")
        if role not in ROLES:
            raise EngineError(f"messages[{i}].role must be one of: {', '.join(sorted(ROLES))}")
        text = _content_text(msg.get("content"))
        total += len(text)
        out.append((role, text))
    if total > MAX_PROMPT_CHARS:
        raise EngineError(f"the conversation is too long (over {MAX_PROMPT_CHARS} characters)")
    if not any(role == "user" and text.strip() for role, text in out):
        raise EngineError("messages must contain a user message with text")
    return out


class ChatEngine:
    """One engine per model name; stateless between requests apart from immutable shared data."""

    def __init__(self, model: str, seed: int = 0, style: str = "plain"):
        self.model = model
        self.seed = seed
        self.style = styles.check_style(style)  # how this provider answers (engines/styles.py)

    def count_tokens(self, text: str) -> int:
        return len(tokenize(text))

    def prompt_tokens(self, messages: list[dict]) -> int:
        return self.prefix_tokens(messages)[-1] + REPLY_PRIMING

    def prefix_tokens(self, messages: list[dict]) -> list[int]:
        """Tokens of the first 1, 2, … n messages (what a prompt cache can hold, message by message)."""
        out, total = [], 0
        for _, text in _validate(messages):
            total += self.count_tokens(text) + MESSAGE_OVERHEAD
            out.append(total)
        return out

    def warm_up(self) -> None:
        """Load the corpus and Markov model now rather than on the first request (~0.5 s)."""
        corpus.index()
        corpus.markov_model()

    def stream(self, messages: list[dict], *, max_tokens: int | None = None, temperature: float = 1.0,
               top_p: float = 1.0, seed: int | None = None) -> Iterator[str]:
        """Yield the answer piece by piece; at most `max_tokens` pieces."""
        pairs = _validate(messages)
        if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int)
                                       or max_tokens < 1):
            raise EngineError("max_tokens must be a positive integer")
        if not isinstance(temperature, int | float) or not 0 <= temperature <= 2:
            raise EngineError("temperature must be between 0 and 2")
        if not isinstance(top_p, int | float) or not 0 < top_p <= 1:
            raise EngineError("top_p must be greater than 0 and at most 1")
        text = self.answer(pairs, temperature=float(temperature), top_p=float(top_p),
                           seed=self.seed if seed is None else seed)
        return self._pieces(text, max_tokens)

    @staticmethod
    def _pieces(text: str, max_tokens: int | None) -> Iterator[str]:
        for i, piece in enumerate(tokenize(text)):
            if max_tokens is not None and i >= max_tokens:
                return
            yield piece

    # --- answering -------------------------------------------------------------------------

    def answer(self, pairs: list[tuple[str, str]], *, temperature: float, top_p: float, seed: int) -> str:
        question = next(text for role, text in reversed(pairs) if role == "user" and text.strip()).strip()
        system = " ".join(text for role, text in pairs if role in ("system", "developer")).lower()
        rng = random.Random(f"{seed}:{question}")
        raw = self._raw_answer(question, temperature, top_p, rng)
        return _apply_style(styles.shape(self.style, raw, question), system)

    def _raw_answer(self, question: str, temperature: float, top_p: float, rng: random.Random) -> styles.Raw:
        math_answer = arithmetic.answer(question)
        if math_answer is not None:
            return styles.Raw(math_answer, "math")
        if knowledge.asks_date_or_time(question):  # the corpus would answer with a made-up date
            return styles.Raw(knowledge.CLOCK_ANSWER, "clock")
        entry, _ = knowledge.best_entry(question, leniency=styles.knowledge_leniency(self.style))
        if entry is not None:
            return styles.Raw(entry.answer.replace("{model}", self.model), "knowledge", entry)
        long = knowledge.is_long(question)
        candidates = _long_candidates(question) if long else _candidates(question)
        if candidates:
            return styles.Raw(_sample(candidates, temperature, top_p, rng).answer, "corpus")
        if long:
            return styles.Raw(LONG_FALLBACK.format(model=self.model), "fallback")
        sentence = corpus.markov_sentence(rng if temperature > 0 else random.Random(question))
        return styles.Raw(
            "I don't have a good answer to that — I'm an offline demo model on the local 0G network, "
            "good at arithmetic and questions about 0G Compute. Here's a loose thought from my notes: "
            + sentence, "fallback")


def _candidates(text: str) -> list[tuple[float, corpus.Pair]]:
    return [(s, p) for s, p in corpus.index().search(text) if s >= corpus.MIN_SCORE]


def _long_candidates(question: str) -> list[tuple[float, corpus.Pair]]:
    """Corpus matches for the sentence that matches best. Questions come first: if the prompt asks
    something the corpus cannot answer, a chatty side sentence ("Hello!") must not answer instead."""
    parts = knowledge.sentences(question)
    asked = [s for s in parts if s.endswith("?")]
    best: list[tuple[float, corpus.Pair]] = []
    for sentence in asked or parts:
        found = _candidates(sentence)
        if found and (not best or found[0][0] > best[0][0]):
            best = found
    return best


def _sample(candidates: list[tuple[float, corpus.Pair]], temperature: float, top_p: float,
            rng: random.Random) -> corpus.Pair:
    """Temperature 0 → the best match; otherwise softmax(score / T) with nucleus (top_p) filtering."""
    if temperature == 0 or len(candidates) == 1:
        return candidates[0][1]
    # Scores live in [0, 1]; sharpen them so T=1 still prefers the best match clearly.
    weights = [math.exp((s - candidates[0][0]) * 12 / temperature) for s, _ in candidates]
    total = sum(weights)
    probs = [w / total for w in weights]
    kept, mass = [], 0.0
    for p, (_, pair) in zip(probs, candidates, strict=True):
        kept.append((p, pair))
        mass += p
        if mass >= top_p:
            break
    r = rng.random() * sum(p for p, _ in kept)
    for p, pair in kept:
        r -= p
        if r <= 0:
            return pair
    return kept[-1][1]


def _apply_style(text: str, system: str) -> str:
    """Honour a few simple system-prompt instructions."""
    if not system:
        return text
    if re.search(r"\b(brief|concise|short|one sentence|terse|succinct)\b", system):
        text = styles.first_sentence(text)
    if re.search(r"\b(upper ?case|all caps|capital letters|shout)\b", system):
        text = text.upper()
    elif re.search(r"\blower ?case\b", system):
        text = text.lower()
    return text
