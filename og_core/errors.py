"""One error family for everything og_core raises: `.message` says what happened, `.hint` what to do.

A leaf module (it imports nothing from og_core): contract reverts are put into words in
og_core/reverts.py, provider error answers in og_core/provider_errors.py.
"""

from __future__ import annotations

import re
from enum import StrEnum

# Technical details are shown to whoever uses the app, and URLs carry secrets: hosted RPC
# endpoints put their API key in the path (/v2/KEY) or the query, some put user:password@ in
# front of the host. Details keep only scheme://host:port.
_URL = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*)://(?:[^\s/?#@'\"<>]*@)?([^\s/?#'\"<>]*)[^\s'\"<>)]*")
# requests/urllib3 name the path alone: "Max retries exceeded with url: /v2/KEY (Caused by …)"
_BARE_PATH = re.compile(r"(\burl[:=]\s*'?)(/[^\s'\"]*)", re.IGNORECASE)


def redact_urls(text: str) -> str:
    """`text` with every URL cut to scheme://host:port (no credentials, path or query)."""
    if "/" not in text:
        return text

    def cut(m: re.Match[str]) -> str:
        base = f"{m.group(1)}://{m.group(2)}"
        return base if m.group(0) == base else base + "/…"

    return _BARE_PATH.sub(lambda m: f"{m.group(1)}/…", _URL.sub(cut, text))


class OgError(Exception):
    """Base of every error og_core raises. `str(e)` is the message plus the hint."""

    def __init__(self, message: str, hint: str = "", *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        # technical text for logs / a "details" expander: never secrets, so never a URL's path
        self.detail = redact_urls(detail)

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class ConfigError(OgError):
    """Settings or network profile are wrong (unknown network, chain id mismatch, bad key)."""


class ReadOnlyError(OgError):
    """The operation needs a wallet but the client has no private key."""


RPC_HINT = "Check the network connection and try again."


class RpcError(OgError):
    """The chain's RPC endpoint could not be reached or answered nonsense."""

    @classmethod
    def from_exception(cls, exc: BaseException, what: str = "", *, message: str = "",
                       hint: str = RPC_HINT) -> RpcError:
        """The one way og_core turns a failed chain call into words: "The chain could not be reached
        while {what}." (or `message`), with the exception's type and text (URLs redacted) as detail."""
        text = message or f"The chain could not be reached while {what or 'talking to it'}."
        return cls(text, hint, detail=f"{type(exc).__name__}: {exc}"[:500])


class AmountInputError(OgError, ValueError):
    """An amount the user typed is invalid (also a ValueError)."""


class RuleError(OgError):
    """A client-side rule of the contracts would be broken (minimums, balances, limits)."""


class ContractRevert(OgError):
    """The contract refused the call (found by the eth_call pre-flight, or a mined revert)."""

    def __init__(self, message: str, hint: str = "", *, name: str = "", args: tuple = (), detail: str = ""):
        super().__init__(message, hint, detail=detail)
        self.name = name
        self.args_decoded = args


class WalletBusyError(OgError):
    """Another transaction of this wallet is still pending (possibly after a receipt timeout)."""


class TxTimeoutError(OgError):
    """A sent transaction had no receipt in time; it may still land, so nothing is re-sent."""

    def __init__(self, message: str, hint: str = "", *, tx_hash: str = "", detail: str = ""):
        super().__init__(message, hint, detail=detail)
        self.tx_hash = tx_hash


class ProviderErrorKind(StrEnum):
    """What kind of failure a ProviderError is (machine-readable; compares equal to its text)."""

    SESSION = "session"  # the provider refused the session token
    INSUFFICIENT_BALANCE = "insufficient_balance"
    NOT_ACKNOWLEDGED = "not_acknowledged"  # the user has not acknowledged the provider yet
    SIGNER_NOT_ACKNOWLEDGED = "signer_not_acknowledged"  # the network owner has not
    NO_ACCOUNT = "no_account"
    MODEL_NOT_SUPPORTED = "model_not_supported"
    RATE_LIMITED = "rate_limited"
    BUSY = "busy"
    TOO_LARGE = "too_large"  # the request, or the provider's answer, is over a size limit
    UNSUPPORTED_ENDPOINT = "unsupported_endpoint"
    CHAT_ID_NOT_FOUND = "chat_id_not_found"
    MODEL_EXPIRED = "model_expired"  # the provider no longer serves the model (past its expiration date)
    BAD_REQUEST = "bad_request"
    SERVER_ERROR = "server_error"
    GARBAGE = "garbage"  # a 200 answer that is not what the protocol says
    BAD_URL = "bad_url"  # the provider's registered URL cannot be used
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    OTHER = "other"

    @property
    def needs_funding(self) -> bool:
        """The sub-account with this provider must be created or topped up before it serves."""
        return self in (ProviderErrorKind.INSUFFICIENT_BALANCE, ProviderErrorKind.NO_ACCOUNT,
                        ProviderErrorKind.NOT_ACKNOWLEDGED)


class ProviderError(OgError):
    """A provider answered with an error (or not at all)."""

    def __init__(self, message: str, hint: str = "", *, status: int | None = None,
                 kind: ProviderErrorKind | str = ProviderErrorKind.OTHER, detail: str = ""):
        super().__init__(message, hint, detail=detail)
        self.status = status
        self.kind = ProviderErrorKind(kind)


class ProviderUnreachable(ProviderError):
    """Connection refused, DNS failure, timeout."""


class UnsafeUrlError(OgError):
    """A provider URL points somewhere og_core refuses to fetch from (SSRF guard), or cannot be used."""


class NotFoundError(OgError):
    """A provider / service / chat id does not exist."""
