"""A provider's HTTP error answer in words (matching on message substrings, like the SDKs), and how
messages name a provider and quote its text."""

from __future__ import annotations

import json
import re
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from og_core.display import format_utc, parse_utc, short_address
from og_core.errors import ProviderError, ProviderErrorKind

K = ProviderErrorKind

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})?)?")
_OG_AMOUNT = re.compile(r"([0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\s*(?:0G|OG|A0GI)", re.IGNORECASE)


def _extract_error_text(body: bytes | str | None) -> str:
    if body is None:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else body
    try:
        data = json.loads(text)
        if isinstance(data, dict):
            err = data.get("error", data.get("message", data))
            if isinstance(err, dict):
                err = err.get("message", err)
            return str(err)
    except ValueError:
        pass
    return text.strip()


MAX_PROVIDER_TEXT = 600  # long enough for a real explanation, short enough for an error box


def clip_text(text: str, limit: int = MAX_PROVIDER_TEXT) -> str:
    """`text` on one line, at most `limit` characters: cut at a word boundary and marked with "…",
    so a provider's explanation is never silently chopped mid-word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if text[limit - 1] != " " and space >= limit // 2:  # one giant "word" (a hash, base64) is cut where it is
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def provider_name(provider: str, model: str = "") -> str:
    """How messages name a service: "local/chat-tee at 0x12ab…cd34" — a model is recognisable, a
    full address is not; without a model, the full address."""
    if model and provider:
        return f"{model} at {short_address(provider)}"
    return model or provider


def the_provider(provider: str, model: str = "") -> str:
    """'The provider local/chat-tee at 0x12ab…cd34': by its model, which people recognise, not only hex."""
    return f"The provider {provider_name(provider, model)}"


def _provider_text(raw: str) -> str:
    """The provider's own words for a message, or "" when they are not words (an HTML error page)."""
    text = clip_text(raw)
    return "" if text.startswith("<") else text


def provider_error(status: int | None, body: bytes | str | None, *, provider: str = "",
                   model: str = "") -> ProviderError:
    """Turn a provider's HTTP error answer into words (matching on message substrings, like the SDKs).
    `model` names the service in the message; the full address stays in `detail`."""
    raw = _extract_error_text(body)
    low = raw.lower()
    name = provider_name(provider, model)
    who = f"The provider {name}" if name else "The provider"
    said = _provider_text(raw)
    detail = f"HTTP {status}{f' from {provider}' if provider else ''}: {clip_text(raw, 2000)}"

    def err(kind: ProviderErrorKind, message: str, hint: str) -> ProviderError:
        return ProviderError(message, hint, status=status, kind=kind, detail=detail)

    if "insufficient balance" in low:
        amounts = [m.group(1) for m in _OG_AMOUNT.finditer(raw)]
        if len(amounts) >= 2:
            try:
                have, need = Decimal(amounts[0]), Decimal(amounts[1])
                short = need - have
                short_text = f"{_round_up(short)} OG" if short > 0 else "more OG"
                return err(K.INSUFFICIENT_BALANCE,
                           f"{who} needs at least {short_text} more locked with it "
                           f"(you have {have.normalize():f} OG, it requires {need.normalize():f} OG "
                           "including a 1 OG reserve and unsettled fees).",
                           "Fund this provider from the Wallet page.")
            except InvalidOperation:
                pass
        return err(K.INSUFFICIENT_BALANCE, f"{who} says your locked balance with it is too low.",
                   "Fund this provider with at least 2 OG from the Wallet page (it keeps a 1 OG reserve).")
    if "not acknowledge the tee signer" in low or "service not acknowledge" in low:
        return err(K.SIGNER_NOT_ACKNOWLEDGED,
                   f"The TEE signer of {who[0].lower() + who[1:]} has not been acknowledged by the network owner yet.",
                   "Choose another provider; this one cannot serve requests until it is acknowledged.")
    if "not acknowledge" in low:
        return err(K.NOT_ACKNOWLEDGED, f"{who} has not been acknowledged by you yet.",
                   "Fund it once (at least 1 OG) from the Wallet page — the first transfer acknowledges it.")
    if "account not exist" in low or "accountnotexists" in low:
        return err(K.NO_ACCOUNT, f"You have no sub-account with {who[4:] if who.startswith('The ') else who}.",
                   "Fund this provider with at least 2 OG from the Wallet page.")
    if "validate session" in low:
        if "generation" in low or "revoked" in low:
            return err(K.SESSION, f"{who} rejected the session token: it was revoked.",
                       "A new token is made automatically; try again.")
        if "expired" in low:
            return err(K.SESSION, f"{who} rejected the session token: it has expired.", "Try again.")
        return err(K.SESSION, f"{who} rejected the session token.", "Try again; if it persists, reconnect the wallet.")
    if "model not supported" in low:
        return err(K.MODEL_NOT_SUPPORTED, f"{who} does not serve the requested model.",
                   "Use the model listed for this provider on the Discover page.")
    if "chat_id_not_found" in low or "chat id not found" in low:
        return err(K.CHAT_ID_NOT_FOUND, f"{who} no longer has a signature for this answer (it expired).",
                   "Signatures are kept for a limited time; verify soon after the answer arrives.")
    if "unsupported endpoint" in low:
        return err(K.UNSUPPORTED_ENDPOINT, f"{who} does not offer this kind of request.",
                   "Use a provider of the matching service type.")
    if status == 410:  # the broker's answer for a model past its expiration_date
        on = _expiry_words(raw)
        return err(K.MODEL_EXPIRED, f"{who} no longer serves this model: it expired{on}.",
                   "Pick another provider or model on the Discover page.")
    if status == 429:
        return err(K.RATE_LIMITED, f"{who} is rate-limiting requests.", "Wait a few seconds and try again.")
    if status == 503:
        return err(K.BUSY, f"{who} is busy (too many requests at once).", "Try again in a moment.")
    if status == 413:
        return err(K.TOO_LARGE, f"{who} refused the request because it is too large.",
                   "Send a smaller file (the limit is 32 MB).")
    if status == 504:  # the provider gave up on the work within its own time limit (nothing is billed)
        return err(K.TIMEOUT, f"{who} did not finish this request in time" + (f": {said}" if said else "."),
                   "Send something smaller (a shorter clip or prompt) or pick another provider.")
    if status is not None and status >= 500:
        return err(K.SERVER_ERROR, f"{who} had an internal error" + (f": {said}" if said else "."),
                   "Try again later or pick another provider.")
    if status == 400 and said:
        return err(K.BAD_REQUEST, f"{who} refused the request: {said}", "Check the request settings.")
    # Unrecognised: the provider's own words are the most useful thing to show.
    return err(K.OTHER, f"{who} answered with an error{f' (HTTP {status})' if status else ''}"
               + (f": {said}" if said else "."), "Try again later or pick another provider.")


def _expiry_words(raw: str) -> str:
    """" on 2026-01-31 12:00 UTC" from the first RFC3339 time in the provider's text, else ""."""
    found = _RFC3339.search(raw)
    if not found:
        return ""
    when = parse_utc(found.group(0))
    if when is None:
        return ""
    if len(found.group(0)) == 10:  # a bare date
        return f" on {when:%Y-%m-%d}"
    return f" on {format_utc(when)}"


def _round_up(amount: Any) -> str:
    """Shortfall rounded up to a readable precision (never down — the user must not fall short)."""
    d = Decimal(amount)
    for places in (0, 1, 2, 3, 4, 6, 9, 12, 18):
        q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_CEILING)
        if q - d <= d * Decimal("0.1") or places == 18:
            return f"{q.normalize():f}"
    return f"{d:f}"
