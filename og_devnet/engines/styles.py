"""Answer styles of the offline chat engine, so the local network's chat providers differ the way real
ones do: the same question gets a one-sentence answer from one provider, a fuller one from another, and
protocol detail from the one that knows 0G well. A provider's style is part of its configuration
(ProviderConfig.answer_style); "plain" is the engine as it always answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import knowledge

STYLES = ("plain", "concise", "thorough", "expert")
_FIRST_SENTENCE = re.compile(r"(.+?[.!?])(\s|$)", re.S)

CONCISE_FALLBACK = "I don't know that one. Ask me about 0G Compute, or give me some arithmetic."
EXPERT_FALLBACK = ("That is outside what I know: I'm tuned for 0G Compute — ledgers and sub-accounts, fees "
                   "and settlement, refunds, session tokens, TEE signatures and attestation. Ask me about any "
                   "of those.")
THOROUGH_CORPUS_NOTE = ("(That reply comes from a small-talk corpus: I'm an offline demo model. For questions "
                        "about 0G Compute I have a real knowledge base, and I do arithmetic exactly.)")
THOROUGH_MATH_NOTE = ("I worked it out exactly (rational arithmetic, rounded only at the end), so the digits "
                      "shown are right.")

# Protocol detail the "expert" style adds, by knowledge topic (facts as in docs/protocol.md).
EXPERT_NOTES: dict[str, str] = {
    "minimums": "In the contracts: the ledger is LedgerManager.addLedger or depositFund (3 OG the first time), "
                "the sub-account transferFund(provider, 'inference-v1.0', amount) (1 OG the first time); the "
                "broker's admission check is locked balance ≥ request fee + unsettled fees + 1 OG.",
    "0g-compute": "Under the hood: LedgerManager holds your ledger, InferenceServing the services, sub-accounts "
                  "and settlement; services are listed with getAllServices(offset, limit), 50 a page, and each "
                  "provider's broker speaks OpenAI's API under /v1/proxy.",
    "ledger": "Its view function is getLedger(user); a ledger whose available balance is refunded to 0 is "
              "deleted with its sub-accounts.",
    "sub-account": "The broker reads it with getAccount(user, provider): balance, pending refunds, whether you "
                   "acknowledged the provider, and the token generation and revoked-token bitmap it checks "
                   "your session token against.",
    "locked": "A broker re-reads your sub-account when a request would be refused on a stale balance, so a "
              "top-up counts as soon as it is mined.",
    "refund": "The lock time is the InferenceServing contract's; pending refunds are cancelled by your next "
              "transferFund to that provider, before it tops the sub-account up.",
    "tee": "The chat id comes in the ZG-Res-Key response header. The provider's attestation report at "
           "/v1/quote carries the signer in report_data (base64 of the ASCII address, NUL-padded to 64 "
           "bytes); for dstack, sha256 of tcb_info.app_compose must equal the compose-hash event of the "
           "event log.",
    "fund-provider": "The first transferFund also acknowledges the provider's TEE signer for you; without "
                     "it the broker answers 'user not acknowledge the provider'.",
    "fees": "Providers may publish tieredPricing (price multipliers by prompt length) and cacheTokenBilling in "
            "their additionalInfo and /v1/models; a settlement (settleFeesWithTEE) is signed by the TEE key "
            "and checked by the contract.",
    "local-network": "Local-only controls: evm_increaseTime and hardhat_setBalance on the RPC, POST "
                     "/devnet/settle on a broker; its status service (status_url in the ready JSON) checks "
                     "every provider and answers /health like 0G's.",
    "session-token": "Its wire form is 'Bearer app-sk-' + base64('{json}|0x…signature'); the JSON has address, "
                     "provider, timestamp, expiresAt, nonce, generation and tokenId (255: an ephemeral token, "
                     "24 h at most), signed EIP-191 over keccak256 of the JSON.",
    "troubleshooting": "The words are the broker's own: 'validate session: …' for a token problem, 'validate "
                       "request: …' for balance and acknowledgement, 429 with Retry-After for the rate limit, "
                       "503 when its concurrency cap is full.",
}


@dataclass(frozen=True)
class Raw:
    """An answer before styling, and where it came from."""

    text: str
    source: str  # "math" | "clock" | "knowledge" | "corpus" | "fallback"
    entry: knowledge.Entry | None = None


def check_style(style: str) -> str:
    if style not in STYLES:
        raise ValueError(f"unknown answer style {style!r} (one of: {', '.join(STYLES)})")
    return style


def first_sentence(text: str) -> str:
    m = _FIRST_SENTENCE.match(text)
    return m.group(1) if m else text


def knowledge_leniency(style: str) -> int:
    """How much lower the knowledge base's bar is: the expert recognises 0G questions from less."""
    return 1 if style == "expert" else 0


def shape(style: str, raw: Raw, question: str) -> str:
    if style == "concise":  # corpus replies are short lines already, and abbreviations would cut them
        if raw.source == "fallback":
            return CONCISE_FALLBACK
        return first_sentence(raw.text) if raw.source in ("knowledge", "clock") else raw.text
    if style == "thorough":
        return _thorough(raw, question)
    if style == "expert":
        if raw.source == "fallback":
            return EXPERT_FALLBACK
        note = EXPERT_NOTES.get(raw.entry.topic) if raw.entry is not None else None
        return f"{raw.text} {note}" if note else raw.text
    return raw.text


def _thorough(raw: Raw, question: str) -> str:
    parts = [raw.text]
    if raw.source == "knowledge" and raw.entry is not None:
        related = [e for e, _ in knowledge.scored_entries(question)
                   if e.topic != raw.entry.topic and e.topic not in knowledge.SMALL_TALK][:2]
        parts += [f"Related — {e.topic.replace('-', ' ')}: {first_sentence(e.answer)}" for e in related]
        if len(re.findall(r"[.!?](\s|$)", raw.text)) >= 3:
            parts.append(f"In short: {first_sentence(raw.text)}")
    elif raw.source == "math":
        parts.append(THOROUGH_MATH_NOTE)
    elif raw.source == "corpus":
        parts.append(THOROUGH_CORPUS_NOTE)
    return "\n\n".join(parts)
