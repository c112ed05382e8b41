"""Session tokens: byte-for-byte the SDK's format, but with the right generation/bitmap reads."""

from unittest import mock

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3
from zerog_py_sdk.session import SessionManager, SessionMode

from og_core.auth import SessionAuth, build_token, decode_token
from og_core.errors import RuleError

ACCT = Account.from_key("0x" + "42" * 32)  # throwaway test key
PROVIDER = Web3.to_checksum_address("0x" + "cd" * 20)


class _Call:
    def __init__(self, value):
        self.value = value

    def call(self):
        if isinstance(self.value, Exception):
            raise self.value
        return self.value


class FakeServing:
    """getAccount returning an Account tuple with generation (index 9) and bitmap (index 10)."""

    def __init__(self, generation=7, bitmap=0b101):
        self.generation, self.bitmap, self.reads = generation, bitmap, 0
        self.functions = self

    def getAccount(self, user, provider):  # noqa: N802
        self.reads += 1
        return _Call((user, provider, 0, 0, 0, [], "", True, 0, self.generation, self.bitmap))


def test_token_matches_sdk_builder():
    contract = FakeServing(generation=0, bitmap=0)
    sdk = SessionManager(ACCT, None, contract)
    with mock.patch("zerog_py_sdk.session.time.time", return_value=1_700_000_000.0), \
         mock.patch.object(SessionManager, "_generate_nonce", return_value="ab" * 16):
        session = sdk.generate_session_token(PROVIDER, SessionMode.EPHEMERAL)
        sdk_header = sdk.get_request_headers(PROVIDER)["Authorization"]
    ours = build_token(ACCT, PROVIDER, generation=session.token.generation, token_id=255,
                       timestamp_ms=session.token.timestamp, expires_at_ms=session.token.expires_at, nonce="ab" * 16)
    assert "Bearer " + ours == sdk_header


def test_generation_and_bitmap_read_from_the_right_indexes():
    contract = FakeServing(generation=7, bitmap=0b101)
    auth = SessionAuth(ACCT, contract)
    header = auth.headers(PROVIDER)["Authorization"]
    fields = decode_token(header)
    assert fields["generation"] == 7  # the SDK would put the bitmap (5) here
    assert fields["tokenId"] == 255 and fields["address"] == ACCT.address and fields["provider"] == PROVIDER
    assert fields["expiresAt"] - fields["timestamp"] == 24 * 3600 * 1000
    raw, _, sig = __import__("base64").b64decode(header.removeprefix("Bearer app-sk-")).decode().rpartition("|")
    assert Account.recover_message(encode_defunct(primitive=Web3.keccak(text=raw)), signature=sig) == ACCT.address


def test_headers_cached_then_rebuilt_after_invalidate():
    contract = FakeServing()
    auth = SessionAuth(ACCT, contract)
    first = auth.headers(PROVIDER)
    assert auth.headers(PROVIDER) == first and contract.reads == 1  # warm: no chain call
    contract.generation = 8
    auth.invalidate(PROVIDER)
    assert decode_token(auth.headers(PROVIDER)["Authorization"])["generation"] == 8 and contract.reads == 2


def test_rpc_failure_is_an_error_not_generation_zero():
    from og_core.errors import RpcError

    class Down(FakeServing):
        def getAccount(self, user, provider):  # noqa: N802
            return _Call(ConnectionError("rpc down"))

    with pytest.raises(RpcError):
        SessionAuth(ACCT, Down()).headers(PROVIDER)


def test_api_keys_pick_free_ids_and_refuse_revoked():
    contract = FakeServing(generation=3, bitmap=0b101)  # ids 0 and 2 revoked
    auth = SessionAuth(ACCT, contract)
    k1 = auth.create_api_key(PROVIDER, token_id=None, expires_in_s=3600)
    k2 = auth.create_api_key(PROVIDER, token_id=None, expires_in_s=0)
    assert (k1.info.token_id, k2.info.token_id) == (1, 3)
    assert k2.info.expires_at == 0 and k1.info.expires_at - k1.info.created_at == 3600 * 1000
    assert decode_token(k1.token)["generation"] == 3 and decode_token(k1.token)["tokenId"] == 1
    assert k1.token not in repr(k1)
    with pytest.raises(RuleError):
        auth.create_api_key(PROVIDER, token_id=2, expires_in_s=60)
    with pytest.raises(RuleError):
        auth.create_api_key(PROVIDER, token_id=255, expires_in_s=60)
    contract.bitmap |= 1 << 3
    listed = auth.list_api_keys()
    assert [(k.token_id, k.revoked) for k in listed] == [(1, False), (3, True)]
