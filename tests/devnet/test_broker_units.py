"""Unit tests of the broker pieces: token parsing/checks, signatures, fees, limits."""

from __future__ import annotations

import base64
import time

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from og_devnet.broker.billing import (
    MIN_RESERVE,
    ChatUsage,
    UnsettledLedger,
    admission_error,
    chat_fee,
    image_fee,
    stt_fee,
    to_0g,
)
from og_devnet.broker.chainview import ACCOUNT_NOT_EXIST, AccountState, ServiceState
from og_devnet.broker.limits import ConcurrencyCap, RateLimiter
from og_devnet.broker.settlement import settlement_signature
from og_devnet.broker.signing import ResponseSigner, SignatureStore, images_text, response_text, sha256_hex
from og_devnet.broker.tokens import (
    SessionError,
    TokenVerifier,
    check_claims,
    check_revocation,
    parse_authorization,
    recover_token_signer,
)
from tests.support.tokens import make_token

USER = Account.from_key("0x" + "11" * 32)
OTHER = Account.from_key("0x" + "22" * 32)
PROVIDER = Account.from_key("0x" + "33" * 32).address


def test_parse_roundtrip_and_recover() -> None:
    tok = parse_authorization(make_token(USER.key.hex(), PROVIDER, token_id=7, generation=2))
    assert tok.address == USER.address and tok.provider == PROVIDER
    assert tok.token_id == 7 and tok.generation == 2 and not tok.ephemeral
    assert recover_token_signer(tok) == USER.address


@pytest.mark.parametrize("header, text", [
    (None, "missing or invalid Authorization header"),
    ("Bearer sk-abc", "missing or invalid Authorization header"),
    ("Bearer app-sk-!!!", "invalid base64 in Authorization header"),
    ("Bearer app-sk-" + base64.b64encode(b"no separator").decode(), "invalid Authorization payload"),
    ("Bearer app-sk-" + base64.b64encode(b"{oops|0x00").decode(), "invalid session token format"),
])
def test_format_errors(header: str | None, text: str) -> None:
    with pytest.raises(SessionError, match=text):
        parse_authorization(header)


def test_claim_checks_in_order() -> None:
    v = TokenVerifier(PROVIDER)
    with pytest.raises(SessionError, match="session token is for different provider"):
        v.parse(make_token(USER.key.hex(), OTHER.address))
    with pytest.raises(SessionError, match="ephemeral token must have an expiration time"):
        v.parse(make_token(USER.key.hex(), PROVIDER, duration_ms=0))
    with pytest.raises(SessionError, match="ephemeral token duration cannot exceed 24 hours"):
        v.parse(make_token(USER.key.hex(), PROVIDER, duration_ms=24 * 3600 * 1000 + 1))
    old = int(time.time() * 1000) - 7_200_000
    with pytest.raises(SessionError, match="session token expired"):
        v.parse(make_token(USER.key.hex(), PROVIDER, timestamp_ms=old))
    # persistent tokens may never expire
    tok = v.parse(make_token(USER.key.hex(), PROVIDER, token_id=0, duration_ms=0))
    check_claims(tok, PROVIDER)


def test_revocation_checks() -> None:
    eph = parse_authorization(make_token(USER.key.hex(), PROVIDER, generation=1))
    check_revocation(eph, None, 0)  # no sub-account yet: accepted, as upstream
    check_revocation(eph, 1, 2**255)  # ephemeral tokens skip the bitmap
    with pytest.raises(SessionError, match=r"session token has been revoked \(generation expired\)"):
        check_revocation(eph, 2, 0)
    with pytest.raises(SessionError, match=r"invalid session token \(future generation\)"):
        check_revocation(eph, 0, 0)
    key3 = parse_authorization(make_token(USER.key.hex(), PROVIDER, token_id=3, duration_ms=0, generation=1))
    check_revocation(key3, 1, 0b0111)  # other tokens revoked, bit 3 unset
    with pytest.raises(SessionError, match="^session token has been revoked$"):
        check_revocation(key3, 1, 1 << 3)


def test_forged_signature_rejected() -> None:
    v = TokenVerifier(PROVIDER)
    forged = v.parse(make_token(USER.key.hex(), PROVIDER, address=USER.address, signer_key=OTHER.key.hex()))
    with pytest.raises(SessionError, match="signature verification failed: address mismatch"):
        v.verify_signature(forged)
    good = v.parse(make_token(USER.key.hex(), PROVIDER))
    v.verify_signature(good)
    v.verify_signature(good)  # cached


def test_response_signature_recovers() -> None:
    tee = Account.create()
    signer = ResponseSigner("0x" + tee.key.hex().removeprefix("0x"), tee.address)
    text = response_text(b'{"a":1}', b"data: [DONE]\n\n")
    assert text == sha256_hex(b'{"a":1}') + ":" + sha256_hex(b"data: [DONE]\n\n")
    sig = signer.sign(text)
    assert Account.recover_message(encode_defunct(text=sig.text), signature=sig.signature) == tee.address
    assert sig.as_json()["signing_algo"] == "ecdsa"
    assert images_text(b"r", [b"a", b"b"]) == f"{sha256_hex(b'r')}:{sha256_hex(b'a')},{sha256_hex(b'b')}"


def test_signature_store_expiry() -> None:
    store = SignatureStore(ttl=0.05)
    tee = Account.create()
    sig = ResponseSigner(tee.key.hex(), tee.address).sign("x:y")
    store.put("ChatCmpl-ABC", sig)
    assert store.get("chatcmpl-abc") == sig
    time.sleep(0.06)
    assert store.get("chatcmpl-abc") is None


def test_fee_math_and_wording() -> None:
    assert chat_fee(ChatUsage(10, 5), 3, 7).total == 65
    assert image_fee(3, 10**15) == 3 * 10**15
    assert stt_fee(12, 5) == 60
    assert to_0g(1_443_572 * 10**12) == "1.443572"
    svc = ServiceState("chatbot", "u", 1, 2, "local/m", "TeeML", "{}", PROVIDER, True)
    acct = AccountState(USER.address, 0, 2 * 10**18, 0, True, 0, 0)
    assert admission_error(acct, svc, 10, 0, PROVIDER) is None
    poor = AccountState(USER.address, 0, MIN_RESERVE, 10**17, True, 0, 0)
    msg = admission_error(poor, svc, 5 * 10**17, 10**17, PROVIDER)
    assert msg.startswith("insufficient balance: your locked balance is 0.900000 0G, but the required "
                          "minimum is 1.600000 0G (breakdown: minimum reserve 1.000000 0G + unsettled fees "
                          "0.100000 0G + current request fee 0.500000 0G)")
    assert "user not acknowledge the provider" in admission_error(
        AccountState(USER.address, 0, 5 * 10**18, 0, False, 0, 0), svc, 0, 0, PROVIDER)
    unacked = ServiceState("chatbot", "u", 1, 2, "local/m", "TeeML", "{}", PROVIDER, False)
    assert admission_error(acct, unacked, 0, 0, PROVIDER) == "service not acknowledge the tee signer"
    assert admission_error(ACCOUNT_NOT_EXIST, svc, 0, 0, PROVIDER) == "get account from contract, account not exist"
    assert admission_error("ConnectionError: refused", svc, 0, 0, PROVIDER) == (
        "get account from contract, ConnectionError: refused")  # an outage is not "account not exist"


def test_unsettled_ledger() -> None:
    led = UnsettledLedger()
    led.add(USER.address, 5, b"a")
    led.add(USER.address.lower(), 7, b"b")
    assert led.fee(USER.address) == 12
    snap = led.snapshot()
    led.add(USER.address, 1, b"c")  # arrives while settling
    led.settled(USER.address, *snap[USER.address.lower()][:1], len(snap[USER.address.lower()][1]))
    assert led.fee(USER.address) == 1


def test_limits() -> None:
    rl = RateLimiter(2)
    assert rl.allow("u") and rl.allow("u") and not rl.allow("u")
    assert rl.allow("v")
    assert all(RateLimiter(0).allow("u") for _ in range(100))
    cap = ConcurrencyCap(1)
    assert cap.try_acquire() and not cap.try_acquire()
    cap.release()
    assert cap.try_acquire()


def test_slot_release_is_idempotent() -> None:
    cap = ConcurrencyCap(1)
    slot = cap.take()
    assert slot is not None and cap.take() is None
    slot.release()
    slot.release()  # a second exit path must not free someone else's place
    assert cap.active == 0
    assert cap.take() is not None and cap.active == 1


def test_settlement_signature_is_eip712() -> None:
    from eth_account.messages import encode_typed_data

    tee = Account.create()
    contract = "0x" + "ab" * 20
    sig = settlement_signature(tee.key.hex(), 31337, contract, b"\x01" * 32, 5, PROVIDER, USER.address, 99)
    msg = encode_typed_data(
        {"name": "0G Inference Serving", "version": "1", "chainId": 31337,
         "verifyingContract": "0x" + "ab" * 20},
        {"TEESettlement": [{"name": "requestsHash", "type": "bytes32"}, {"name": "nonce", "type": "uint256"},
                           {"name": "provider", "type": "address"}, {"name": "user", "type": "address"},
                           {"name": "totalFee", "type": "uint256"}]},
        {"requestsHash": b"\x01" * 32, "nonce": 5, "provider": PROVIDER, "user": USER.address, "totalFee": 99},
    )
    assert Account.recover_message(msg, signature=sig) == tee.address
