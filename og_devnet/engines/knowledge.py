"""A small built-in knowledge base about 0G Compute and this playground, for the offline chat engine.

Each entry lists trigger phrases with weights; a phrase scores when all its words appear in the
question. The best entry wins if it reaches `MIN_SCORE`. A long question (several sentences, or a
long one) is matched more strictly, so incidental words do not add up: a phrase's words must appear
in order, close together, within one sentence, and the bar is `LONG_MIN_SCORE`. Facts follow
docs/protocol.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_SCORE = 3
LONG_MIN_SCORE = 4
LONG_WORDS = 20  # more words than this (or more than one sentence) is a long question
PHRASE_WINDOW = 4  # in a long question, a phrase's next word must follow within this many words
SMALL_TALK = {"thanks"}  # a paragraph that also says "thanks" is not thanking


@dataclass(frozen=True)
class Entry:
    topic: str
    triggers: tuple[tuple[str, int], ...]  # ("words all present", weight)
    answer: str


ENTRIES: tuple[Entry, ...] = (
    Entry(
        "minimums",
        (("minimum", 5), ("least", 3), ("min", 3), ("how much", 1), ("ledger", 1), ("deposit", 1), ("transfer", 1),
         ("reserve", 2), ("fund", 1), ("need", 1), ("og", 1), ("requirement", 2), ("required", 2)),
        "The minimums are: 3 OG to create a ledger (addLedger / the first deposit); 1 OG for the first "
        "transfer into a new provider sub-account; and a 1 OG reserve — a provider only serves a request "
        "while your locked balance covers the request fee, your unsettled fees and 1 OG. So a sub-account "
        "funded with exactly 1 OG serves about once: fund at least 2 OG. After a refund, what stays "
        "available in the ledger must be 0 or at least 3 OG.",
    ),
    Entry(
        "0g-compute",
        (("0g compute", 4), ("what 0g", 3), ("0g", 2), ("compute network", 3), ("what is", 1),
         ("zero g", 3), ("decentralized", 1), ("decentralised", 1), ("marketplace", 1)),
        "0G Compute is 0G's decentralised marketplace for AI inference. Providers register services "
        "(chatbot, text-to-image, image editing, speech-to-text) on-chain with a price per token or per "
        "request; users deposit OG into a ledger contract, move some of it into a sub-account for each "
        "provider, and call the provider's OpenAI-compatible HTTP API with a signed session token. The "
        "provider keeps track of fees and settles them on-chain in batches, signed by its TEE key, so "
        "the payment is verifiable.",
    ),
    Entry(
        "other-0g",  # outweighs "0g-compute"'s generic "what is 0G…" triggers
        (("0g storage", 8), ("storage", 4), ("0g chain", 8), ("0g da", 8), ("data availability", 5)),
        "I only know 0G Compute and this playground — this offline demo model has no details about the "
        "rest of 0G. In short, besides 0G Compute (the AI inference marketplace) there are 0G Chain (the "
        "EVM-compatible blockchain the ledger and inference contracts run on), 0G Storage (decentralised "
        "storage for data and models) and 0G DA (data availability). See docs.0g.ai for those.",
    ),
    Entry(
        "ledger",
        (("ledger", 3), ("total balance", 2), ("available", 1), ("balance", 1),
         ("deposit", 1), ("account", 1)),
        "The ledger is your on-chain account in the LedgerManager contract. It holds a total balance and "
        "an available balance; available is what you can still move to providers or refund, and "
        "locked = total − available is the money sitting in provider sub-accounts. Create it with at "
        "least 3 OG (addLedger or depositFund), top it up with depositFund, and take money back with "
        "refund (what stays available must be 0 or at least 3 OG; refunding everything deletes the "
        "ledger and its sub-accounts).",
    ),
    Entry(
        "sub-account",
        (("sub account", 4), ("subaccount", 4), ("sub-account", 4), ("provider account", 3),
         ("acknowledge", 2), ("per provider", 2), ("account", 1)),
        "A sub-account is the part of your ledger dedicated to one provider (an Account in the "
        "InferenceServing contract). transferFund(provider, 'inference-v1.0', amount) creates it with at "
        "least 1 OG and acknowledges the provider for you; later transfers top it up (first cancelling "
        "pending refunds). The provider charges your usage against it when it settles fees.",
    ),
    Entry(
        "locked",
        (("locked", 3), ("locked balance", 3), ("lock", 1), ("pending refund", 2), ("available", 1)),
        "Locked balance is the money in your provider sub-accounts: locked = total − available in the "
        "ledger. For one provider, the usable locked balance is the sub-account balance minus its pending "
        "refund; a provider serves you only while that covers the request fee, your unsettled fees and a "
        "1 OG reserve.",
    ),
    Entry(
        "refund",
        (("refund", 3), ("withdraw", 3), ("get money back", 3), ("retrieve", 3), ("lock time", 3),
         ("24", 1), ("take back", 2), ("cash out", 2)),
        "Getting money back from a provider takes two steps and a lock time. retrieveFund first queues a "
        "refund of the sub-account's unlocked balance; after the lock time (24 h on the public networks) a "
        "second retrieveFund pays it back to your ledger's available balance. Then refund(amount) sends "
        "OG from the available balance back to your wallet — what stays available must be 0 or at least "
        "3 OG. On the local network you can skip the wait with evm_increaseTime.",
    ),
    Entry(
        "tee",
        (("tee", 3), ("teeml", 4), ("verif", 2), ("verify", 2), ("verification", 2), ("verifiable", 2),
         ("trusted execution", 4), ("attestation", 3), ("signature", 2), ("enclave", 3)),
        "TEE verification: providers marked TeeML run the model in a Trusted Execution Environment whose "
        "key (the service's teeSignerAddress, acknowledged on-chain by the contract owner) signs every "
        "response — the text sha256(request) + ':' + sha256(response), signed EIP-191. To verify, fetch "
        "/v1/proxy/signature/{chatID}?model=…, recover the signer and compare it with the on-chain "
        "teeSignerAddress (or the TargetTeeAddress for separated TEEs). The playground reports verified, "
        "invalid or unavailable — never a bare yes/no.",
    ),
    Entry(
        "fund-provider",
        (("fund", 2), ("fund provider", 4), ("how fund", 3), ("top up", 3), ("transfer", 2),
         ("provider", 1), ("pay", 1), ("add money", 3), ("how start", 2), ("get started", 3)),
        "To fund a provider: 1) create your ledger with at least 3 OG (Wallet page, or addLedger); "
        "2) transfer at least 1 OG — better 2 OG or more, because a 1 OG reserve must stay locked — to "
        "the provider with transferFund(provider, 'inference-v1.0', amount), which creates the "
        "sub-account and acknowledges the provider; 3) send requests; the provider settles the fees "
        "on-chain from that sub-account.",
    ),
    Entry(
        "fees",
        (("fee", 2), ("fees", 2), ("price", 2), ("pricing", 2), ("cost", 2), ("settle", 3),
         ("settlement", 3), ("charge", 2), ("how much", 1)),
        "Fees: a chatbot request costs prompt_tokens × inputPrice + completion_tokens × outputPrice; text-to-image "
        "and image editing cost outputPrice per image; speech-to-text costs the transcript's tokens × "
        "outputPrice. The provider keeps unsettled fees and settles them "
        "on-chain in batches (settleFeesWithTEE), which moves the money from your sub-account to the "
        "provider.",
    ),
    Entry(
        "playground",
        (("playground", 3), ("page", 3), ("pages", 3), ("app", 1), ("what can", 1), ("this site", 3),
         ("feature", 2), ("help", 1)),
        "The playground lets you try 0G Compute from a browser: pick a network (mainnet, Galileo testnet or "
        "the local simulated network); see your wallet and ledger (total, available, locked, pending "
        "refunds) and deposit, fund providers or withdraw; browse the providers and their prices and "
        "verifiability; and use the services — chat, text-to-image, image editing and speech-to-text — "
        "with every response's TEE signature checked and the cost shown in OG.",
    ),
    Entry(
        "local-network",
        (("local", 3), ("simulated", 3), ("devnet", 4), ("local network", 4), ("hardhat", 3), ("31337", 4),
         ("real", 1), ("real network", 3), ("is this real", 3), ("real money", 3), ("fake", 2), ("test", 1),
         ("offline", 2), ("mainnet", 1)),
        "This is a local, simulated 0G network: a private chain (chain id 31337) with the ledger and "
        "inference contracts, and provider brokers serving offline models named local/… — a rule-based "
        "and retrieval chat engine, a procedural image painter, a Pillow image editor and PocketSphinx "
        "speech-to-text. The OG here is test money with no value; the demo accounts use public hardhat "
        "keys.",
    ),
    Entry(
        "identity",
        (("who are you", 4), ("what are you", 4), ("your name", 3), ("which model", 3), ("what model", 3),
         ("are you gpt", 4), ("are you ai", 3), ("llm", 2), ("language model", 3), ("yourself", 3),
         ("about you", 3)),
        "I'm {model}, an offline demo engine on the local 0G network — not a large language model. I do "
        "exact arithmetic, answer questions about 0G Compute and this playground from a small built-in "
        "knowledge base, and otherwise reply from the chatterbot English corpus.",
    ),
    Entry(
        "capabilities",
        (("what can you do", 6), ("can you do", 3), ("capabilit", 4), ("what do you do", 5),
         ("how can you help", 5), ("what are you good at", 5), ("what can i ask", 5)),
        "I'm {model}, an offline demo model on the local 0G network — not a large language model. I can "
        "do exact arithmetic (fractions, powers, square roots, factorials, scientific notation: try "
        "'what is 1.5e3 * 4?'); explain 0G Compute and this playground — ledgers, sub-accounts, fees, "
        "refunds, TEE verification, session tokens; and make small talk or answer a little trivia from "
        "the chatterbot English corpus. I have no internet access and no clock.",
    ),
    Entry(
        "session-token",
        (("token", 1), ("session", 3), ("api key", 4), ("bearer", 3), ("revoke", 3), ("auth", 2)),
        "Requests to a provider carry a session token (Authorization: Bearer …) signed by your wallet. "
        "Tokens have an id and an expiry; you can revoke one (revokeToken) or all of them at once "
        "(revokeAllTokens bumps your account's generation), after which the provider rejects them.",
    ),
    Entry(
        "troubleshooting",
        (("insufficient", 4), ("insufficient balance", 2), ("error", 2), ("fail", 2), ("failed", 2),
         ("refuse", 2), ("refused", 2), ("not acknowledge", 4), ("not working", 3), ("doesn work", 3),
         ("rejected", 2), ("why", 1), ("wrong", 1)),
        "When a provider refuses a request, the message says why. 'insufficient balance': your "
        "sub-account's locked balance must cover the request fee, your unsettled fees and a 1 OG "
        "reserve — fund the provider with 2 OG or more. 'user not acknowledge the provider' or 'account "
        "not exist': you have not funded this provider yet; the first transfer (at least 1 OG) creates "
        "the sub-account and acknowledges it. 'validate session': the session token is stale, e.g. after "
        "you revoked tokens; a fresh one fixes it. 'model not supported': the request named another model "
        "than the service's. HTTP 429 or 503: the provider is rate-limiting or busy; try again shortly.",
    ),
    Entry(
        "thanks",
        (("thanks", 5), ("thank", 5), ("thx", 5), ("cheers", 3), ("great", 1), ("awesome", 1)),
        "You're welcome! Ask me about 0G Compute — funding, refunds, fees, TEE verification — or give me "
        "some arithmetic.",
    ),
)

_WORD = re.compile(r"[a-z0-9]+")

CLOCK_ANSWER = (
    "I can't tell: I'm an offline demo model with no clock or calendar, so I don't know today's date "
    "or the time — your device's clock does. (The local chain keeps its own time: the latest block's "
    "timestamp, which evm_increaseTime moves forward.)"
)
_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|the\s+weekend|a\s+holiday"
_WHEN = r"today|now|right\s+now|tomorrow|yesterday|tonight"
# Questions about the current date or time — not trivia like "what year was Kennedy killed?".
_NOW = re.compile(
    rf"\bwhat\s+(?:day|date|time|year|month|week)\s+(?:of\s+the\s+(?:week|month|year)\s+)?is\s+it\b"
    rf"|\bwhat(?:'s|\s+is)\s+(?:the\s+)?(?:date|time|day)(?:\s+(?:{_WHEN}))?\s*[?.!]*$"
    rf"|\bwhat\s+(?:day|date|time)\s+(?:is\s+)?(?:{_WHEN})\b"
    rf"|\b(?:today'?s|current|tomorrow'?s|yesterday'?s)\s+(?:date|time|day|year|month)\b"
    rf"|\bis\s+(?:it|today)\s+(?:{_DAYS})\b|\b(?:do\s+you\s+know|tell\s+me)\s+(?:the\s+)?(?:date|time)\b",
    re.IGNORECASE,
)


def asks_date_or_time(question: str) -> bool:
    """Whether `question` asks for today's date or the time, which this offline model cannot know."""
    return _NOW.search(question.strip()) is not None


def _forms(w: str) -> tuple[str, ...]:
    """A word and, with a crude plural strip, its singular, so 'fees' and 'fee' both match."""
    return (w, w[:-1]) if len(w) > 3 and w.endswith("s") else (w,)


def _words_list(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("sub-account", "sub account"))


def words(text: str) -> set[str]:
    """Lower-case words with a crude plural strip, so 'fees' and 'fee' both match."""
    return {f for w in _words_list(text) for f in _forms(w)}


def _has_all(parts: list[str], ws: set[str]) -> bool:
    """Every part of a phrase among the words `ws` ("verif" style stems match any word starting with them)."""
    return all(p in ws or (len(p) >= 5 and any(w.startswith(p) for w in ws)) for p in parts)


def _part_matches(part: str, word: str) -> bool:
    # "verif" style stems match any word starting with them.
    return part in _forms(word) or (len(part) >= 5 and word.startswith(part))


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
MAX_SENTENCES = 40


def sentences(text: str) -> list[str]:
    """The text's distinct sentences (split after . ! ? and at line breaks). Past MAX_SENTENCES only
    the first 10 and the last ones are kept: a question comes before or after pasted text, and
    matching every sentence of a 200 kB paste would take seconds."""
    out = list(dict.fromkeys(s.strip() for s in _SENTENCE_END.split(text) if s.strip()))
    return out if len(out) <= MAX_SENTENCES else out[:10] + out[10 - MAX_SENTENCES:]


def is_long(text: str) -> bool:
    return len(sentences(text)) > 1 or len(_WORD.findall(text)) > LONG_WORDS


def _in_order(parts: list[str], seq: list[str]) -> bool:
    """Whether the parts occur in `seq` in order, each within PHRASE_WINDOW words of the previous one."""

    def rest_from(k: int, after: int) -> bool:
        if k == len(parts):
            return True
        return any(_part_matches(parts[k], seq[i]) and rest_from(k + 1, i + 1)
                   for i in range(after, min(len(seq), after + PHRASE_WINDOW)))

    return any(_part_matches(parts[0], w) and rest_from(1, i + 1) for i, w in enumerate(seq))


def scored_entries(question: str) -> list[tuple[Entry, int]]:
    """Every entry with a score above 0 for `question`, best first (ties in catalogue order)."""
    long = is_long(question)
    qw = words(question)
    seqs = [_words_list(s) for s in sentences(question)] if long else []
    sets = [{f for w in seq for f in _forms(w)} for seq in seqs]
    out: list[tuple[Entry, int]] = []
    for entry in ENTRIES:
        if long and entry.topic in SMALL_TALK:
            continue
        score = 0
        for phrase, weight in entry.triggers:
            parts = phrase.split()
            if long:  # the cheap set test first: most sentences lack most trigger words
                hit = any(_in_order(parts, seq) for seq, ws in zip(seqs, sets, strict=True) if _has_all(parts, ws))
            else:
                hit = _has_all(parts, qw)
            if hit:
                score += weight
        if score > 0:
            out.append((entry, score))
    out.sort(key=lambda pair: -pair[1])  # stable: ties keep catalogue order
    return out


def best_entry(question: str, *, leniency: int = 0) -> tuple[Entry | None, int]:
    """The best entry if it reaches the bar (lowered by `leniency`), and its score."""
    scored = scored_entries(question)
    best, best_score = scored[0] if scored else (None, 0)
    bar = (LONG_MIN_SCORE if is_long(question) else MIN_SCORE) - leniency
    return (best, best_score) if best_score >= bar else (None, best_score)


def all_text() -> str:
    return "\n".join(e.answer.replace("{model}", "this model") for e in ENTRIES)
