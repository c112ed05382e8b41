"""TEE signature verification of responses, and provider attestation. Results are enums, never bools.

Fixes SDK pitfalls #3/#4: the SDK reports an account flag as "verified" and folds "unreachable" into
False; here the signer is recovered and compared, and "could not check" is its own outcome.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from urllib.parse import quote

import httpx
from eth_account import Account
from eth_account.messages import encode_defunct

from og_core.addresses import checksum
from og_core.bodies import MAX_SMALL_BYTES
from og_core.discovery import provider_base
from og_core.errors import OgError, ProviderError, ProviderErrorKind
from og_core.http_get import bounded_get, failure_words
from og_core.provider_errors import provider_error
from og_core.results import (
    AttestationResult,
    ChatResult,
    ImageResult,
    TranscriptResult,
    VerificationResult,
    VerificationStatus,
)
from og_core.safety import UrlGuard
from og_core.service import ServiceInfo

V = VerificationStatus
SIGNING_SCHEMES = ("teeml", "opml", "zkml")
TIMEOUT_S = 10.0


def response_hash(body: bytes) -> str:
    """Hex sha256 of the bytes received (the whole SSE text for a stream)."""
    return hashlib.sha256(body).hexdigest()


def images_hash(images: Sequence[bytes]) -> str:
    """Response half for image services: comma-joined sha256 of each decoded image."""
    return ",".join(hashlib.sha256(img).hexdigest() for img in images)


def _get_json(url: str, http: httpx.Client, guard: UrlGuard,
              kinds: list[ProviderErrorKind] | None = None) -> tuple[dict | None, str | None]:
    """(json, None) or (None, reason the check is unavailable); `kinds` gets the kind of a provider's
    refusal, for callers whose words depend on it."""
    try:
        status, content = bounded_get(http, url, timeout_s=TIMEOUT_S, cap=MAX_SMALL_BYTES, guard=guard)
    except (OgError, httpx.HTTPError) as exc:
        why = failure_words(exc, large="the provider's answer is unreasonably large",
                            late=f"the provider did not answer within {TIMEOUT_S:g} s",
                            unreachable="the provider cannot be reached ({})")
        return None, why.rstrip(".") if isinstance(exc, ProviderError) else why
    if status != 200:
        refusal = provider_error(status, content)
        if kinds is not None:
            kinds.append(refusal.kind)
        said = refusal.message.rstrip(".")
        return None, said[:1].lower() + said[1:]  # a reason mid-sentence; the provider's own words keep their case
    try:
        data = json.loads(content)
    except ValueError:
        return None, "the provider's answer is not valid JSON"
    return (data, None) if isinstance(data, dict) else (None, "the provider's answer has an unexpected format")


def partial_reason(result: ChatResult | ImageResult | TranscriptResult) -> str | None:
    """Why a result holds only part of what the provider signed (a stopped or cut stream), else None."""
    if not isinstance(result, ChatResult):
        return None
    if result.stopped:
        return "You stopped this answer early"
    if result.cut:
        return f"The stream was cut ({result.cut_reason or 'it ended early'})"
    return None


def verify_response(service: ServiceInfo, chat_id: str | None, *, expected_response_hash: str | None,
                    http: httpx.Client, url_guard: UrlGuard, partial: str | None = None) -> VerificationResult:
    """partial: why the received bytes are only part of the answer (see `partial_reason`). Then a
    hash mismatch is expected, not tampering: the result is UNAVAILABLE, not INVALID."""

    def result(status: VerificationStatus, reason: str, **kw: object) -> VerificationResult:
        return VerificationResult(status=status, reason=reason, chat_id=chat_id, provider=service.provider,
                                  expected_signer=service.signing_address or None,
                                  signer_source=service.signing_address_source, **kw)  # type: ignore[arg-type]

    if service.verifiability.lower() not in SIGNING_SCHEMES:
        return result(V.UNAVAILABLE, "This provider does not sign its answers (no TEE verifiability).")
    if service.signing_address_error:
        return result(V.UNAVAILABLE, f"{service.signing_address_error} So its answers' signatures cannot be checked.")
    if not chat_id:
        return result(V.UNAVAILABLE, "The answer carried no chat id, so its signature cannot be looked up.")
    expected = service.signing_address
    if not expected or int(expected, 16) == 0:
        return result(V.UNAVAILABLE, "The provider has no signer address on-chain.")
    url = (f"{provider_base(service.url)}/v1/proxy/signature/{quote(chat_id, safe='')}"
           f"?model={quote(service.model, safe='')}")
    kinds: list[ProviderErrorKind] = []
    data, why = _get_json(url, http, url_guard, kinds)
    if data is None and partial and ProviderErrorKind.CHAT_ID_NOT_FOUND in kinds:
        # Not an expiry: the provider signs an answer once it has sent all of it, so one that ended
        # early (a second after Stop) was never signed.
        return result(V.UNAVAILABLE, f"{partial}, and the provider signs only a finished answer, so there is no "
                                     "signature to check for this part. Ask again and let it finish to get a "
                                     "verifiable answer.")
    if data is None:
        lead = f"{partial}, and the" if partial else "The"
        return result(V.UNAVAILABLE, f"{lead} signature could not be fetched: {why}.")
    text, signature = data.get("text"), data.get("signature")
    if not isinstance(text, str) or not isinstance(signature, str):
        return result(V.UNAVAILABLE, "The provider's signature answer lacks the signed text or the signature.")
    try:
        recovered = Account.recover_message(encode_defunct(text=text), signature=signature)
    except Exception:
        return result(V.INVALID, "The signature is malformed: no signer can be recovered from it.", signed_text=text)
    if checksum(recovered) != checksum(expected):
        return result(V.INVALID, f"The answer was signed by {recovered}, not by the expected signer {expected} "
                                 f"({service.signing_address_source}).", recovered_signer=recovered, signed_text=text)
    matches: bool | None = None
    if expected_response_hash is not None:
        _req_half, sep, resp_half = text.partition(":")
        matches = bool(sep) and resp_half.strip().lower() == expected_response_hash.lower()
        if not matches and partial:
            return result(V.UNAVAILABLE, f"{partial}, so the text you hold is only the beginning of the answer the "
                                         f"provider signed. Its signature over the whole answer is genuine (signed "
                                         f"by {recovered}, the {service.signing_address_source}), but a part cannot "
                                         "be compared with it.", recovered_signer=recovered, signed_text=text)
        if not matches:
            return result(V.INVALID, "The provider's signature is genuine, but the answer you received differs "
                                     "from the one it signed.", recovered_signer=recovered, signed_text=text,
                          response_hash_matches=False)
    note = "" if service.tee_signer_acknowledged else " Note: the network owner has not acknowledged this signer."
    what = "and the signed hash matches the bytes received" if matches else "(the received bytes were not compared)"
    return result(V.VERIFIED, f"Signed by {recovered} ({service.signing_address_source}) {what}.{note}",
                  recovered_signer=recovered, signed_text=text, response_hash_matches=matches)


def _report_signer(report_data: str) -> str | None:
    try:
        raw = base64.b64decode(report_data)
    except ValueError:
        return None
    raw = raw.rstrip(b"\x00")
    if len(raw) == 20:
        return checksum(raw)
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    text = text if text.startswith("0x") else "0x" + text
    try:
        return checksum(text)
    except ValueError:
        return None


def verify_attestation(service: ServiceInfo, *, http: httpx.Client, url_guard: UrlGuard) -> AttestationResult:
    onchain = service.tee_signer or None

    def result(status: VerificationStatus, reason: str, report: str | None = None) -> AttestationResult:
        return AttestationResult(status, reason, service.provider, onchain, report)

    data, why = _get_json(f"{provider_base(service.url)}/v1/quote", http, url_guard)
    if data is None:
        return result(V.UNAVAILABLE, f"The attestation could not be fetched: {why}.")
    report = data.get("report_data")
    signer = _report_signer(report) if isinstance(report, str) else None
    if signer is None:
        return result(V.INVALID, "The attestation's report_data does not hold a signer address.")
    if not onchain:
        return result(V.UNAVAILABLE, "The provider has no signer address on-chain to compare with.", signer)
    if signer.lower() != onchain.lower():
        return result(V.INVALID, f"The attested signer {signer} is not the on-chain signer {onchain}.", signer)
    note = "" if service.tee_signer_acknowledged else " The network owner has not acknowledged it yet."
    return result(V.VERIFIED, f"The attested signer matches the on-chain signer {onchain}.{note}", signer)
