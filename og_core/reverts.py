"""Contract reverts in words: custom errors decoded by selector, and the node's JSON-RPC error object
found in an exception (web3 wraps it differently from version to version)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import keccak, to_checksum_address
from web3.exceptions import ContractLogicError

from og_core.amounts import format_og
from og_core.display import format_utc
from og_core.errors import ContractRevert

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
                                                    "Request a refund from a provider you no longer use (Wallet → Refunds)."),
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
        "Request a refund of them first (Wallet → Refunds)."),
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
            return format_og(int(value))
        if kind == "time":
            return format_utc(int(value))
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
