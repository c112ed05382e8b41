import re

import pytest
from eth_abi import encode
from eth_utils import keccak

from og_core.errors import (
    _CUSTOM_ERRORS,
    ContractRevert,
    decode_revert,
    provider_error,
    revert_from_exception,
)

ADDR = "0x" + "12" * 20
SAMPLE = {"address": ADDR, "uint256": 3 * 10**18, "string": "x"}
PROTOCOL_ERRORS = [
    "LedgerExists(address)", "LedgerNotExists(address)", "MinimumDepositRequired(uint256,uint256)",
    "InsufficientBalance(address)", "InsufficientBalance(address,address)",
    "InsufficientAvailableBalance(uint256,uint256)", "AccountExists(address,address)",
    "AccountNotExists(address,address)", "ServiceNotExist(address)", "ServiceNotFound(address)",
    "TooManyProviders(uint256,uint256)", "TooManyProvidersForService(uint256,uint256)",
    "TooManyRefunds(address,address)", "RefundLocked(address,address,uint256)", "MustWithdrawAllFundsFirst(uint256)",
    "LimitTooLarge(uint256,uint256)", "ZeroAmountNotAllowed()", "CallFailed()", "CallerNotLedger(address)",
    "CannotRevokeWithNonZeroBalance(address,address,uint256)", "LedgerLocked()",
]


def _revert_data(signature: str) -> bytes:
    types = [t for t in signature[signature.index("(") + 1:-1].split(",") if t]
    return keccak(text=signature)[:4] + encode(types, [SAMPLE[t] for t in types])


@pytest.mark.parametrize("signature", PROTOCOL_ERRORS)
def test_every_protocol_error_decodes_to_words(signature):
    assert signature in _CUSTOM_ERRORS
    err = decode_revert(_revert_data(signature))
    assert isinstance(err, ContractRevert)
    assert err.name == signature.split("(")[0]
    assert err.message and "{" not in err.message and "{" not in err.hint
    if not signature.startswith(("TooManyProviders", "LimitTooLarge", "RefundLocked")):  # counts / times
        assert not re.search(r"\b3000000000000000000\b", err.message), "amounts must be shown in OG"


def test_amounts_in_og():
    data = keccak(text="InsufficientAvailableBalance(uint256,uint256)")[:4] + encode(
        ["uint256", "uint256"], [10**18, 25 * 10**17])
    err = decode_revert("0x" + data.hex())
    assert err.message == "Only 1 OG is available in the ledger, but 2.5 OG is needed."


def test_unknown_selector_and_garbage():
    err = decode_revert(b"\xde\xad\xbe\xef")
    assert err is not None and err.name == "unknown" and "Nothing was spent" in err.hint
    assert decode_revert(b"\x01") is None
    assert decode_revert("0xzz") is None


def test_revert_found_inside_web3_exception():
    from web3.exceptions import ContractCustomError

    data = "0x" + _revert_data("LedgerNotExists(address)").hex()
    exc = ContractCustomError(data, data=data)
    err = revert_from_exception(exc)
    assert err is not None and err.name == "LedgerNotExists"
    assert revert_from_exception(ConnectionError("refused")) is None


@pytest.mark.parametrize("status,body,kind,words", [
    (400, {"error": "validate request: insufficient balance: your locked balance is 0.5 0G, but the required "
                    "minimum is 1.5 0G (breakdown: ...)"}, "insufficient_balance", "at least 1 OG more"),
    (400, {"error": "validate request: user not acknowledge the provider, please acknowledge"}, "not_acknowledged",
     "acknowledged"),
    (400, {"error": "validate request: service not acknowledge the tee signer"}, "signer_not_acknowledged", "owner"),
    (400, {"error": "validate request: get account from contract, account not exist"}, "no_account", "sub-account"),
    (401, {"error": "validate session: generation mismatch"}, "session", "revoked"),
    (401, {"error": "validate session: token expired"}, "session", "expired"),
    (400, {"error": 'model not supported: requested "x", accepted: ["y"]'}, "model_not_supported", "model"),
    (429, {"error": "too many requests"}, "rate_limited", "rate-limiting"),
    (503, {"error": "busy"}, "busy", "busy"),
    (413, {"error": "request body too large"}, "too_large", "too large"),
    (400, {"error": "unsupported endpoint"}, "unsupported_endpoint", "does not offer"),
    (400, {"error": "Chat id not found or expired, chat_id_not_found"}, "chat_id_not_found", "no longer"),
    (500, "oops", "server_error", "internal error"),
])
def test_provider_errors_in_words(status, body, kind, words):
    import json

    raw = json.dumps(body) if isinstance(body, dict) else body
    err = provider_error(status, raw, provider="0xP")
    assert err.kind == kind
    assert words in err.message + " " + err.hint
    assert err.status == status and err.hint


def test_insufficient_balance_names_the_shortfall_and_page():
    err = provider_error(400, '{"error":"validate request: insufficient balance: your locked balance is 0.5 0G, '
                              'but the required minimum is 1.000123 0G"}')
    assert "0.51 OG more" in err.message and "Wallet page" in err.hint
