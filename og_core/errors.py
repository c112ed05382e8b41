"""One error family for everything og_core raises: `.message` says what happened, `.hint` what to do.

Also turns contract reverts (custom errors, by selector) and provider error texts into those words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import keccak


class OgError(Exception):
    """Base of every error og_core raises. `str(e)` is the message plus the hint."""

    def __init__(self, message: str, hint: str = "", *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail  # technical text for logs / an "details" expander; never secrets

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class ConfigError(OgError):
    """Settings or network profile are wrong (unknown network, chain id mismatch, bad key)."""


class ReadOnlyError(OgError):
    """The operation needs a wallet but the client has no private key."""


class RpcError(OgError):
    """The chain's RPC endpoint could not be reached or answered nonsense."""


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


class ProviderError(OgError):
    """A provider answered with an error (or not at all)."""

    def __init__(self, message: str, hint: str = "", *, status: int | None = None, kind: str = "other",
                 detail: str = ""):
        super().__init__(message, hint, detail=detail)
        self.status = status
        self.kind = kind  # machine-readable: see PROVIDER_ERROR_KINDS


class ProviderUnreachable(ProviderError):
    """Connection refused, DNS failure, timeout."""


class UnsafeUrlError(OgError):
    """A provider URL points somewhere og_core refuses to fetch from (SSRF guard)."""


class NotFoundError(OgError):
    """A provider / service / chat id does not exist."""


# --------------------------------------------------------------------------- contract errors

# signature → (template for the message, hint). Templates use {0}, {1}… for decoded args;
# amounts are formatted as OG by `_fmt`.
_CUSTOM_ERRORS: dict[str, tuple[str, str]] = {
    "LedgerExists(address)": ("A ledger already exists for {0}.", "Deposit into it instead of creating one."),
    "LedgerNotExists(address)": ("There is no ledger for {0} yet.",
                                 "Create one on the Wallet page with at least 3 OG."),
    "MinimumDepositRequired(uint256,uint256)": ("The deposit of {0:og} is below the minimum of {1:og}.",
                                                "Deposit at least {1:og}."),
    "InsufficientBalance(address)": ("The ledger of {0} does not hold that much.",
                                     "Withdraw at most the available balance shown on the Wallet page."),
    "InsufficientBalance(address,address)": ("The sub-account of {0} with provider {1} does not hold that much.",
                                             "Check the provider balance on the Wallet page."),
    "InsufficientAvailableBalance(uint256,uint256)": (
        "Only {0:og} is available in the ledger, but {1:og} is needed.",
        "Deposit more OG into the ledger first, or use a smaller amount."),
    "AccountExists(address,address)": ("{0} already has a sub-account with provider {1}.",
                                       "Fund it again to add to it; a new sub-account is not needed."),
    "AccountNotExists(address,address)": ("{0} has no sub-account with provider {1}.",
                                          "Fund the provider first (at least 1 OG) from the Wallet page."),
    "ServiceNotExist(address)": ("No service is registered for provider {0}.",
                                 "Pick a provider from the Discover page."),
    "ServiceNotFound(address)": ("The ledger does not know the service contract {0}.",
                                 "The network profile's contract addresses look wrong."),
    "TooManyProviders(uint256,uint256)": ("That is {0} providers in one transaction; the most is {1}.",
                                          "Select fewer providers."),
    "TooManyProvidersForService(uint256,uint256)": ("You would have {0} providers for this service; the most is {1}.",
                                                    "Retrieve funds from a provider you no longer use."),
    "TooManyRefunds(address,address)": ("{0} already has the maximum number of pending refunds with provider {1}.",
                                        "Wait until a refund unlocks and collect it first."),
    "RefundLocked(address,address,uint256)": ("The refund from provider {1} is still locked until {2:time}.",
                                              "Collect it after the lock time has passed."),
    "MustWithdrawAllFundsFirst(uint256)": ("The ledger still holds {0:og}.", "Withdraw everything before deleting it."),
    "LimitTooLarge(uint256,uint256)": ("A page of {0} entries was asked for; the most is {1}.",
                                       "Refresh the page; if it persists, report it — the app should page in smaller steps."),
    "ZeroAmountNotAllowed()": ("The amount must be more than 0 OG.", "Enter an amount above 0."),
    "CallFailed()": ("The inference contract refused the transfer.",
                     "A first transfer to a provider needs at least 1 OG; check the provider is registered."),
    "CallerNotLedger(address)": ("{0} is not the ledger contract.", "Only the ledger may do this."),
    "CannotRevokeWithNonZeroBalance(address,address,uint256)": (
        "The acknowledgement of provider {1} cannot be revoked while it holds {2:og}.",
        "Retrieve the funds first."),
    "LedgerLocked()": ("The ledger is locked by another operation.", "Try again in a moment."),
    "ServiceNotExists(address)": ("No service is registered for provider {0}.",
                                  "Pick a provider from the Discover page."),
    "InvalidServiceType(string)": ("“{0}” is not a registered service.",
                                   "The network's contract addresses look wrong; check the network profile."),
    "AlreadyInitialized()": ("The contract is already initialised.", "Nothing to do: it is set up already."),
    "Error(string)": ("The contract refused: {0}.", "Nothing was spent. Check the amounts and try again."),
    "Panic(uint256)": ("The contract hit an internal error (panic {0}).",
                       "Nothing was spent. Try a different amount; if it persists, the contract has a bug."),
    # 0G's official contracts only (their ABIs list these); users can meet them on testnet/mainnet.
    "TransferFailed()": ("The contract could not pay out the OG.", "Try again in a moment; nothing was spent."),
    "ZeroAddressNotAllowed()": ("The zero address cannot be used here.", "Pick a real provider or wallet address."),
    "InvalidAddress(address)": ("{0} cannot be used here.", "Pick a real provider or wallet address."),
    "ProviderCannotBeUser()": ("A provider cannot be its own customer.",
                               "Use a different wallet than the provider's to fund it."),
    "AdditionalInfoTooLong(uint256,uint256)": ("The ledger note is {0} bytes; the most is {1}.",
                                               "Create the ledger without a note."),
    "DirectDepositsDisabled()": ("This contract does not take OG sent to it directly.",
                                 "Deposit through the Wallet page instead."),
}


@dataclass(frozen=True)
class _ErrorSpec:
    signature: str
    name: str
    types: tuple[str, ...]


def _spec(signature: str) -> _ErrorSpec:
    name, _, rest = signature.partition("(")
    inner = rest[:-1]
    return _ErrorSpec(signature, name, tuple(t for t in inner.split(",") if t))


ERROR_SELECTORS: dict[bytes, _ErrorSpec] = {keccak(text=sig)[:4]: _spec(sig) for sig in _CUSTOM_ERRORS}



def _fmt(template: str, args: tuple[Any, ...]) -> str:
    def repl(m: re.Match[str]) -> str:
        idx, kind = int(m.group(1)), m.group(2)
        if idx >= len(args):
            return "?"
        value = args[idx]
        if kind == "og":
            from og_core.amounts import format_og

            return format_og(int(value))
        if kind == "time":
            import datetime as _dt

            try:
                return _dt.datetime.fromtimestamp(int(value), _dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
            except (OverflowError, OSError, ValueError):
                return f"chain time {int(value)}"
        if isinstance(value, bytes):
            return "0x" + value.hex()
        return str(value)

    return re.sub(r"\{(\d+)(?::(og|time))?\}", repl, template)


def decode_revert(data: bytes | str | None) -> ContractRevert | None:
    """Decode revert data (selector + ABI args) into a ContractRevert, or None if unknown."""
    if data is None:
        return None
    if isinstance(data, str):
        text = data[2:] if data[:2].lower() == "0x" else data
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            return None
    else:
        raw = bytes(data)
    if len(raw) < 4:
        return None
    spec = ERROR_SELECTORS.get(raw[:4])
    if spec is None:
        return ContractRevert(
            "The contract refused the transaction with an error this app does not know.",
            "Nothing was spent. Check the amounts and try again.",
            name="unknown", detail=f"revert data 0x{raw.hex()}")
    try:
        args = tuple(abi_decode(list(spec.types), raw[4:])) if spec.types else ()
    except Exception:  # malformed args: still name the error
        args = ()
    template, hint = _CUSTOM_ERRORS[spec.signature]
    if spec.name == "Panic":
        args = (hex(int(args[0])),) if args else ()
    if args and spec.types and any(t.startswith("address") for t in spec.types):
        from eth_utils import to_checksum_address

        args = tuple(to_checksum_address(a) if t == "address" else a for a, t in zip(args, spec.types, strict=False))
    return ContractRevert(_fmt(template, args), _fmt(hint, args), name=spec.name, args=args,
                          detail=f"{spec.signature} args={args!r}")


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it was raised from, outermost first (cycles cut)."""
    chain: list[BaseException] = []
    item: BaseException | None = exc
    while item is not None and item not in chain and len(chain) < 16:
        chain.append(item)
        item = item.__cause__ or item.__context__
    return chain


def _rpc_error_object(exc: BaseException) -> dict[str, Any] | None:
    """The node's JSON-RPC error object, when the exception carries one (web3 8, or older web3's ValueError)."""
    response = getattr(exc, "rpc_response", None)
    if isinstance(response, dict) and isinstance(response.get("error"), dict):
        return response["error"]
    if len(exc.args) == 1 and isinstance(exc.args[0], dict) and "message" in exc.args[0]:
        return exc.args[0]
    return None


def rpc_error_object(exc: BaseException) -> dict[str, Any] | None:
    """The JSON-RPC error object the node answered with, if any: a definite answer. None means there
    was no answer (timeout, connection error), so the node may or may not have acted on the request."""
    for item in _causes(exc):
        error = _rpc_error_object(item)
        if error is not None:
            return error
    return None


def _revert_bytes(value: Any) -> str | None:
    """`value` as 0x-hex revert data (selector + args), else None."""
    if isinstance(value, dict):  # some nodes nest it: {"data": "0x…"}
        value = value.get("data")
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex() if len(value) >= 4 else None
    if not isinstance(value, str):
        return None
    text = value.removeprefix("Reverted ").strip()
    if text[:2].lower() != "0x" or len(text) < 10 or len(text) % 2:
        return None
    try:
        bytes.fromhex(text[2:])
    except ValueError:
        return None
    return text.lower()


def _says_reverted(message: Any) -> bool:
    return isinstance(message, str) and "revert" in message.lower()


def revert_data_from_exception(exc: BaseException) -> str | None:
    """Revert bytes from structured sources only: web3's ContractLogicError / ContractCustomError
    `.data`, or a JSON-RPC error object that says the execution reverted (code 3 or a revert message).
    Never from free text: error texts also carry addresses and object ids (`… object at 0x7f3a…`)."""
    from web3.exceptions import ContractLogicError

    for item in _causes(exc):
        if isinstance(item, ContractLogicError):
            found = _revert_bytes(item.data)
            if found:
                return found
        error = _rpc_error_object(item)
        if error is not None and (error.get("code") == 3 or _says_reverted(error.get("message"))):
            found = _revert_bytes(error.get("data"))
            if found:
                return found
    return None


def _is_revert(exc: BaseException) -> bool:
    """The node said the execution reverted (with or without data). web3 also raises
    ContractLogicError for non-revert eth_call errors (e.g. "header not found"), so its words count."""
    from web3.exceptions import ContractLogicError

    for item in _causes(exc):
        if isinstance(item, ContractLogicError) and (_revert_bytes(item.data) or _says_reverted(item.message)):
            return True
        error = _rpc_error_object(item)
        if error is not None and (error.get("code") == 3 or _says_reverted(error.get("message"))):
            return True
    return False


def revert_from_exception(exc: BaseException) -> ContractRevert | None:
    """The contract's refusal in words when `exc` is a revert reported by the node, else None
    (a connection error, a timeout or a node's own refusal is not a revert)."""
    decoded = decode_revert(revert_data_from_exception(exc))
    if decoded is not None:
        return decoded
    if _is_revert(exc):
        return ContractRevert("The contract refused the transaction.", "Nothing was spent. Check the amounts and try again.",
                              name="revert", detail=str(exc)[:500])
    return None


def is_revert_named(exc: BaseException, *names: str) -> bool:
    """True only when the contract reverted with one of these custom errors (matched by selector),
    e.g. LedgerNotExists: the one answer that means "there is none"."""
    decoded = decode_revert(revert_data_from_exception(exc))
    return decoded is not None and decoded.name in names


# --------------------------------------------------------------------------- provider errors

PROVIDER_ERROR_KINDS = (
    "session", "insufficient_balance", "not_acknowledged", "signer_not_acknowledged", "no_account",
    "model_not_supported", "rate_limited", "busy", "too_large", "unsupported_endpoint",
    "chat_id_not_found", "model_expired", "bad_request", "server_error", "other",
)

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})?)?")
_OG_AMOUNT = re.compile(r"([0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\s*(?:0G|OG|A0GI)", re.IGNORECASE)


def _extract_error_text(body: bytes | str | None) -> str:
    if body is None:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else body
    try:
        import json

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
        return f"{model} at {provider[:6]}…{provider[-4:]}"
    return model or provider


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

    def err(kind: str, message: str, hint: str) -> ProviderError:
        return ProviderError(message, hint, status=status, kind=kind, detail=detail)

    if "insufficient balance" in low:
        amounts = [m.group(1) for m in _OG_AMOUNT.finditer(raw)]
        if len(amounts) >= 2:
            from decimal import Decimal, InvalidOperation

            try:
                have, need = Decimal(amounts[0]), Decimal(amounts[1])
                short = need - have
                short_text = f"{_round_up(short)} OG" if short > 0 else "more OG"
                return err("insufficient_balance",
                           f"{who} needs at least {short_text} more locked with it "
                           f"(you have {have.normalize():f} OG, it requires {need.normalize():f} OG "
                           "including a 1 OG reserve and unsettled fees).",
                           "Fund this provider from the Wallet page.")
            except InvalidOperation:
                pass
        return err("insufficient_balance", f"{who} says your locked balance with it is too low.",
                   "Fund this provider with at least 2 OG from the Wallet page (it keeps a 1 OG reserve).")
    if "not acknowledge the tee signer" in low or "service not acknowledge" in low:
        return err("signer_not_acknowledged",
                   f"The TEE signer of {who[0].lower() + who[1:]} has not been acknowledged by the network owner yet.",
                   "Choose another provider; this one cannot serve requests until it is acknowledged.")
    if "not acknowledge" in low:
        return err("not_acknowledged", f"{who} has not been acknowledged by you yet.",
                   "Fund it once (at least 1 OG) from the Wallet page — the first transfer acknowledges it.")
    if "account not exist" in low or "accountnotexists" in low:
        return err("no_account", f"You have no sub-account with {who[4:] if who.startswith('The ') else who}.",
                   "Fund this provider with at least 2 OG from the Wallet page.")
    if "validate session" in low:
        if "generation" in low or "revoked" in low:
            return err("session", f"{who} rejected the session token: it was revoked.",
                       "A new token is made automatically; try again.")
        if "expired" in low:
            return err("session", f"{who} rejected the session token: it has expired.", "Try again.")
        return err("session", f"{who} rejected the session token.", "Try again; if it persists, reconnect the wallet.")
    if "model not supported" in low:
        return err("model_not_supported", f"{who} does not serve the requested model.",
                   "Use the model listed for this provider on the Discover page.")
    if "chat_id_not_found" in low or "chat id not found" in low:
        return err("chat_id_not_found", f"{who} no longer has a signature for this answer (it expired).",
                   "Signatures are kept for a limited time; verify soon after the answer arrives.")
    if "unsupported endpoint" in low:
        return err("unsupported_endpoint", f"{who} does not offer this kind of request.",
                   "Use a provider of the matching service type.")
    if status == 410:  # the broker's answer for a model past its expiration_date
        on = _expiry_words(raw)
        return err("model_expired", f"{who} no longer serves this model: it expired{on}.",
                   "Pick another provider or model on the Discover page.")
    if status == 429:
        return err("rate_limited", f"{who} is rate-limiting requests.", "Wait a few seconds and try again.")
    if status == 503:
        return err("busy", f"{who} is busy (too many requests at once).", "Try again in a moment.")
    if status == 413:
        return err("too_large", f"{who} refused the request because it is too large.",
                   "Send a smaller file (the limit is 32 MB).")
    if status is not None and status >= 500:
        return err("server_error", f"{who} had an internal error" + (f": {said}" if said else "."),
                   "Try again later or pick another provider.")
    if status == 400 and said:
        return err("bad_request", f"{who} refused the request: {said}", "Check the request settings.")
    # Unrecognised: the provider's own words are the most useful thing to show.
    return err("other", f"{who} answered with an error{f' (HTTP {status})' if status else ''}"
               + (f": {said}" if said else "."), "Try again later or pick another provider.")


def _expiry_words(raw: str) -> str:
    """" on 2026-01-31 12:00 UTC" from the first RFC3339 time in the provider's text, else ""."""
    import datetime as _dt

    found = _RFC3339.search(raw)
    if not found:
        return ""
    text = found.group(0).replace("z", "Z").replace("Z", "+00:00")
    try:
        when = _dt.datetime.fromisoformat(text)
    except ValueError:
        return ""
    if len(found.group(0)) == 10:  # a bare date
        return f" on {when:%Y-%m-%d}"
    if when.tzinfo is not None:
        when = when.astimezone(_dt.UTC)
    return f" on {when:%Y-%m-%d %H:%M} UTC"


def _round_up(amount: Any) -> str:
    """Shortfall rounded up to a readable precision (never down — the user must not fall short)."""
    from decimal import ROUND_CEILING, Decimal

    d = Decimal(amount)
    for places in (0, 1, 2, 3, 4, 6, 9, 12, 18):
        q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_CEILING)
        if q - d <= d * Decimal("0.1") or places == 18:
            return f"{q.normalize():f}"
    return f"{d:f}"
