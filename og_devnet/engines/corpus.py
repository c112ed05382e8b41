"""Small-talk for the chat engine: word-overlap retrieval over the chatterbot English corpus,
and a seeded Markov chain (markovify's model, our own walk) when nothing matches.

Both are built lazily, once per process; they are immutable afterwards, so sharing them between
requests and threads is safe.
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import knowledge

_WORD = re.compile(r"[a-z0-9']+")
_STOP = set(
    """a an the is are was were be been am i you he she it we they me my your to of in on at for and or
    do does did what which who whom this that these those with as by from about can could would should
    will shall please tell so if then than there here how why when where""".split()
)
_CODE = re.compile(r"```|\n\s|[{};=<>_]|\w\(")  # code blocks, indented lines, code punctuation, calls
MIN_SCORE = 0.34  # below this the match is too weak to be an answer
# Share of the question's (IDF²-weighted) words a match must contain: "capital of France" must not
# match "capital of Pakistan".
MIN_COVERAGE = 0.7


@dataclass(frozen=True)
class Pair:
    question: str
    answer: str
    words: frozenset[str]


def _tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


def corpus_dir() -> Path:
    import chatterbot_corpus

    return Path(chatterbot_corpus.__file__).parent / "data" / "english"


class Index:
    def __init__(self, pairs: list[Pair]):
        self.pairs = pairs
        self.postings: dict[str, list[int]] = defaultdict(list)
        df: Counter[str] = Counter()
        for i, pair in enumerate(pairs):
            for w in pair.words:
                self.postings[w].append(i)
                df[w] += 1
        n = max(1, len(pairs))
        self.idf = {w: math.log(1 + n / c) for w, c in df.items()}

    def _norm(self, words: frozenset[str] | set[str]) -> float:
        return math.sqrt(sum(self.idf.get(w, math.log(1 + len(self.pairs))) ** 2 for w in words)) or 1.0

    def search(self, text: str, k: int = 8) -> list[tuple[float, Pair]]:
        """Candidates by IDF-weighted cosine overlap of word sets, best first."""
        q = set(_tokens(text))
        if not q:
            # Only stop words ("how are you?"): match on every word instead.
            q = set(_WORD.findall(text.lower()))
        scores: Counter[int] = Counter()
        for w in q:
            weight = self.idf.get(w, 0.0) ** 2
            for i in self.postings.get(w, ()):
                scores[i] += weight
        qn = self._norm(q)
        unknown = math.log(1 + len(self.pairs))  # a word the corpus never saw weighs the most
        q_total = sum(self.idf.get(w, unknown) ** 2 for w in q) or 1.0
        ranked = sorted(
            ((s / (qn * self._norm(self.pairs[i].words)), i) for i, s in scores.items()
             if s / q_total >= MIN_COVERAGE),
            key=lambda t: (-t[0], t[1]),
        )
        return [(score, self.pairs[i]) for score, i in ranked[:k]]


def _conversations(text: str) -> list[list[str]]:
    try:
        import yaml
    except ImportError:  # PyYAML is not pinned in requirements.txt; the corpus format is simple
        return _simple_conversations(text)
    data = yaml.safe_load(text) or {}
    return data.get("conversations", []) if isinstance(data, dict) else []


def _simple_conversations(text: str) -> list[list[str]]:
    """Read chatterbot's `conversations:` lists ("- - question" / "  - answer") without PyYAML."""
    convs: list[list[str]] = []
    inside = False
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith((" ", "-")):
            inside = line.startswith("conversations:")
            continue
        if not inside:
            continue
        stripped = line.strip()
        if stripped.startswith("- - "):
            convs.append([stripped[4:]])
        elif stripped.startswith("- ") and convs:
            convs[-1].append(stripped[2:])
        elif convs and convs[-1]:
            convs[-1][-1] += ("\n" if convs[-1][-1].endswith("|") else " ") + stripped
    cleaned = []
    for conv in convs:
        items = []
        for item in conv:
            item = item.removeprefix("|\n").removeprefix("|-\n").strip()
            if len(item) >= 2 and item[0] == item[-1] and item[0] in "'\"":
                item = item[1:-1]
            items.append(item)
        cleaned.append(items)
    return cleaned


def _load_pairs() -> list[Pair]:
    pairs: list[Pair] = []
    for path in sorted(corpus_dir().glob("*.yml")):
        for conv in _conversations(path.read_text(encoding="utf-8")):
            lines = [str(x).strip() for x in conv if isinstance(x, str | int | float)]
            for q, a in zip(lines, lines[1:], strict=False):
                words = _tokens(q) or _WORD.findall(q.lower())
                if knowledge.asks_date_or_time(q):  # its answer is a date that was true once
                    continue
                if words and a:
                    pairs.append(Pair(q, a, frozenset(words)))
    return pairs


_lock = threading.Lock()


@cache
def index() -> Index:
    with _lock:
        return Index(_load_pairs())


@cache
def markov_model() -> dict[tuple[str, ...], tuple[list[str], list[int]]]:
    """markovify's state → (next words, cumulative weights), from the corpus answers and the KB."""
    import markovify

    # Prose only: the corpus also answers with code blocks, whose lines would make "sentences" like "```".
    prose = [p.answer for p in index().pairs if len(p.answer.split()) > 3 and not _CODE.search(p.answer)]
    text = "\n".join(prose + [knowledge.all_text()])
    chain = markovify.NewlineText(text, state_size=2, well_formed=False, retain_original=False).chain
    model: dict[tuple[str, ...], tuple[list[str], list[int]]] = {}
    for state, nexts in chain.model.items():
        words = list(nexts)
        cum, total = [], 0
        for w in words:
            total += nexts[w]
            cum.append(total)
        model[state] = (words, cum)
    return model


def markov_sentence(rng: random.Random, max_words: int = 30, min_words: int = 5) -> str:
    """One sentence from our own seeded walk (markovify's own walk uses the global `random`); walks
    that end within `min_words` are retried a few times, so the sentence says something."""
    import bisect

    from markovify.chain import BEGIN, END

    model = markov_model()
    out: list[str] = []
    for _ in range(8):
        state: tuple[str, ...] = (BEGIN, BEGIN)
        out = []
        while len(out) < max_words:
            words, cum = model[state]
            word = words[bisect.bisect(cum, rng.random() * cum[-1])]
            if word == END:
                break
            out.append(word)
            state = (state[1], word)
        if len(out) >= min_words:
            break
    sentence = " ".join(out).strip()
    if sentence and sentence[-1] not in ".!?":
        sentence += "."
    return sentence
