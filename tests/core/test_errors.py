import json
import re

import pytest
from eth_abi import encode
from eth_utils import keccak

from og_core.errors import ContractRevert
from og_core.provider_errors import MAX_PROVIDER_TEXT, clip_text, provider_error
from og_core.reverts import (
    _CUSTOM_ERRORS,
    ERROR_SELECTORS,
    decode_revert,
    is_revert_named,
    revert_data_from_exception,
    revert_from_exception,
)

ADDR = "0x" + "12" * 20
SAMPLE = {"address": ADDR, "uint256": 3 * 10**18, "string": "x"}
URLLIB3_TEXT = ("HTTPSConnectionPool(host='evmrpc.0g.ai', port=443): Max retries exceeded (Caused by NewConnection"
                "Error('<urllib3.connection.HTTPSConnection object at 0x7f3a2c1b2d50>: Failed to establish a new "
                "connection'))")
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


def test_every_error_in_the_decoder_table_has_a_next_step():
    assert len(ERROR_SELECTORS) == len(_CUSTOM_ERRORS)
    for spec in ERROR_SELECTORS.values():
        err = decode_revert(_revert_data(spec.signature))
        assert err is not None and err.name == spec.name
        assert err.hint.strip() and "{" not in err.hint, f"{spec.signature} has no hint"
    unknown = decode_revert(b"\xde\xad\xbe\xef")
    assert unknown is not None and unknown.hint


def _rpc_error(error: dict):
    from web3.exceptions import Web3RPCError

    return Web3RPCError(str(error), rpc_response={"jsonrpc": "2.0", "id": 1, "error": error})


@pytest.mark.parametrize("exc", [
    pytest.param(ConnectionError(URLLIB3_TEXT), id="urllib3-object-id"),
    pytest.param(_rpc_error({"code": -32000, "message": "insufficient funds for gas * price + value: address "
                                                        "0x3f344e38371201E327B6152b61926F252Af03605 have 0 want 5"}),
                 id="node-refusal-with-address"),
    pytest.param(ValueError("reverted? no: nonce too low for 0x3f344e38371201E327B6152b61926F252Af03605"),
                 id="free-text-says-revert"),
])
def test_hex_inside_error_text_is_not_revert_data(exc):
    assert revert_data_from_exception(exc) is None
    assert revert_from_exception(exc) is None
    assert not is_revert_named(exc, "LedgerNotExists", "AccountNotExists")


def test_contract_logic_error_that_is_not_a_revert():
    from web3.exceptions import ContractLogicError

    # web3 raises this for any eth_call error without data, e.g. a node's "header not found"
    assert revert_from_exception(ContractLogicError("header not found", data=None)) is None
    generic = revert_from_exception(ContractLogicError("execution reverted", data=None))
    assert generic is not None and generic.name == "revert" and generic.hint


def test_revert_data_from_structured_rpc_errors():
    data = "0x" + _revert_data("LedgerNotExists(address)").hex()
    geth = _rpc_error({"code": 3, "message": "execution reverted", "data": data})
    assert revert_from_exception(geth).name == "LedgerNotExists" and is_revert_named(geth, "LedgerNotExists")
    hardhat = ValueError({"code": -32603, "message": "reverted with custom error", "data": {"data": data}})
    assert revert_data_from_exception(hardhat) == data
    try:  # wrapped by a caller: the cause chain is searched too
        raise RuntimeError("wrapper") from geth
    except RuntimeError as wrapped:
        assert is_revert_named(wrapped, "LedgerNotExists")
    other = "0x" + _revert_data("AccountNotExists(address,address)").hex()
    assert not is_revert_named(_rpc_error({"code": 3, "message": "execution reverted", "data": other}),
                               "LedgerNotExists")
    assert revert_data_from_exception(_rpc_error({"code": -32000, "message": "nonce too low", "data": data})) is None


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
    (410, {"error": "model local/x expired at 2026-01-31T12:00:00Z"}, "model_expired", "expired on 2026-01-31 12:00 UTC"),
    (410, {"error": "gone"}, "model_expired", "expired."),
    # the local speech provider's answer when a clip does not finish within its processing limit
    (504, {"error": "transcription stopped: it did not finish within this provider's 100 s processing limit; "
                    "send a shorter clip"}, "timeout", "did not finish this request in time"),
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


def _page_titles() -> list[str]:
    from pathlib import Path

    app = (Path(__file__).resolve().parents[2] / "app.py").read_text()
    return re.findall(r'st\.Page\([^)]*title="([^"]+)"', app)


def test_every_page_named_in_og_core_words_exists():
    """Hints send people to a page: it must be one the app has (there is no "Services page")."""
    from pathlib import Path

    titles = _page_titles()
    assert "Discover" in titles and "Wallet & ledger" in titles
    named = []
    for source in sorted((Path(__file__).resolve().parents[2] / "og_core").glob("*.py")):
        named += [(source.name, m) for m in re.findall(r"\b(?:the|on|from) ([A-Z][\w-]*) page\b", source.read_text())]
    assert named
    # "the Wallet page" is short for "Wallet & ledger": a name counts when a title starts with it
    wrong = [(f, n) for f, n in named if not any(t == n or t.startswith(n + " ") for t in titles)]
    assert not wrong, wrong


def test_provider_and_model_hints_point_to_the_discover_page():
    for signature in ("ServiceNotExist(address)", "ServiceNotExists(address)"):
        assert "Discover page" in decode_revert(_revert_data(signature)).hint
    err = provider_error(400, '{"error":"model not supported: requested \\"x\\""}')
    assert "Discover page" in err.hint


def test_a_meaningful_provider_message_is_not_cut_at_200_characters():
    words = ("validate request: the prompt and max_tokens together exceed this node's context window of 8192 "
             "tokens because it serves the model with a reduced context; lower max_tokens to at most 4280, "
             "shorten the conversation, or pick a provider that serves the full context window. ") * 2
    assert 400 < len(words.strip()) <= MAX_PROVIDER_TEXT
    err = provider_error(400, json.dumps({"error": words}))
    assert err.kind == "bad_request" and err.message.endswith(words.strip())


def test_a_huge_provider_message_is_cut_at_a_word_boundary():
    words = " ".join(f"word{i}" for i in range(1000))
    err = provider_error(400, json.dumps({"error": words}))
    said = err.message.split("refused the request: ", 1)[1]
    assert said.endswith("…") and len(said) <= MAX_PROVIDER_TEXT
    assert said[:-1].split(" ")[-1] in words.split(" ")  # whole words only
    assert words[:500] in said


def test_clip_text():
    assert clip_text("short  text\n here") == "short text here"
    assert clip_text("aaaa bbbb cccc", 14) == "aaaa bbbb cccc"
    assert clip_text("aaaa bbbb cccc", 13) == "aaaa bbbb…"
    assert clip_text("aaaa bbbb cccc", 10) == "aaaa bbbb…"  # the cut falls between two words
    assert clip_text("x" * 50, 10) == "x" * 9 + "…"  # one giant word: cut where it is
    assert clip_text("one, two, three", 12) == "one, two…"  # no dangling comma before the mark


@pytest.mark.parametrize("status,body,words", [
    (418, {"error": "quota for this API key is used up until 2025-07-01"}, "quota for this API key is used up"),
    (404, "route /v1/proxy/chat/completions is disabled on this node", "is disabled on this node"),
    (500, {"error": "inference backend crashed: CUDA out of memory"}, "CUDA out of memory"),
])
def test_unrecognised_provider_errors_show_the_providers_words(status, body, words):
    raw = json.dumps(body) if isinstance(body, dict) else body
    err = provider_error(status, raw)
    assert words in err.message and err.hint


def test_an_html_error_page_is_not_pasted_into_the_message():
    err = provider_error(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
    assert "<" not in err.message and "internal error" in err.message
    assert "502 Bad Gateway" in err.detail


def test_provider_errors_name_the_service_by_its_model():
    provider = "0x12aB" + "0" * 30 + "cD34"
    err = provider_error(429, '{"error":"slow down"}', provider=provider, model="local/chat-tee")
    assert err.message.startswith("The provider local/chat-tee at 0x12aB…cD34 ")
    assert provider in err.detail  # the full address is kept for the technical details
    err = provider_error(400, '{"error":"service not acknowledge the tee signer"}', provider=provider,
                         model="local/chat-tee")
    assert "The TEE signer of the provider local/chat-tee at 0x12aB…cD34 " in err.message
    err = provider_error(400, '{"error":"account not exist"}', provider=provider, model="local/chat-tee")
    assert "sub-account with provider local/chat-tee at 0x12aB…cD34." in err.message
    assert provider in provider_error(429, "", provider=provider).message  # no model: the full address


@pytest.mark.parametrize("text,words", [
    ("model expired at 2026-01-31T23:30:00+08:00", "expired on 2026-01-31 15:30 UTC"),
    ("expired on 2026-02-01", "expired on 2026-02-01."),
    ("expired at 2026-13-45T99:00:00Z", "it expired."),  # not a real time: no date rather than a wrong one
])
def test_an_expired_model_is_named_with_its_date(text, words):
    err = provider_error(410, text, provider="0x" + "ab" * 20, model="local/old")
    assert err.kind == "model_expired" and words in err.message
    assert err.message.startswith("The provider local/old at 0xabab…abab no longer serves this model")


# --------------------------------------------------------------------------- technical details keep no secrets

RPC_KEY = "k3y-0f-th3-0p3rat0r"
LEAKY_TEXTS = [
    f"HTTPSConnectionPool(host='eth.example', port=443): Max retries exceeded with url: /v2/{RPC_KEY} (Caused by X)",
    f"500 Server Error: Internal Server Error for url: https://eth.example/v2/{RPC_KEY}",
    f"Could not connect to 'https://user:{RPC_KEY}@eth.example:8545/'",
    f"HTTPError: https://eth.example/rpc?apikey={RPC_KEY}#frag",
]


@pytest.mark.parametrize("text", LEAKY_TEXTS)
def test_technical_details_never_show_a_urls_path_query_or_credentials(text):
    from og_core.errors import RpcError

    err = RpcError.from_exception(ConnectionError(text), "reading your ledger")
    assert RPC_KEY not in err.detail and "eth.example" in err.detail, err.detail
    assert err.message == "The chain could not be reached while reading your ledger." and err.hint
    assert err.detail.startswith("ConnectionError: ")
    assert RPC_KEY not in ContractRevert("m", detail=text).detail  # every OgError's detail, not only RPC ones


def test_a_url_without_a_path_stays_as_it_is():
    from og_core.errors import redact_urls

    assert redact_urls("cannot reach http://127.0.0.1:8545 now") == "cannot reach http://127.0.0.1:8545 now"
    assert redact_urls("no url here, 3/4 done") == "no url here, 3/4 done"


def test_errors_is_a_leaf_module():
    """errors.py holds the exception classes only: importing og_core from it would make cycles."""
    import ast
    from pathlib import Path

    import og_core.errors

    tree = ast.parse(Path(og_core.errors.__file__).read_text())
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m.split(".")[0] == "og_core"]


def test_provider_error_kinds_are_an_enum_that_knows_funding():
    from og_core import ProviderError, ProviderErrorKind

    assert provider_error(400, '{"error":"account not exist"}').kind is ProviderErrorKind.NO_ACCOUNT
    assert {k for k in ProviderErrorKind if k.needs_funding} == {"insufficient_balance", "no_account",
                                                                "not_acknowledged"}
    assert ProviderError("m", kind="too_large").kind is ProviderErrorKind.TOO_LARGE
    with pytest.raises(ValueError):
        ProviderError("m", kind="no-such-kind")
