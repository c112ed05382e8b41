"""API key ids are shared by every session (OgClient) of one wallet in the process, never the tokens."""

from __future__ import annotations

import pytest
from eth_account import Account
from web3 import Web3

from og_core import OgClient, RuleError, Settings
from og_core.auth import SessionAuth, issued_keys
from tests.support.devnet import new_funded_account

PROVIDER = Web3.to_checksum_address("0x" + "cd" * 20)
OTHER_PROVIDER = Web3.to_checksum_address("0x" + "ef" * 20)


class FakeServing:
    """getAccount with generation (index 9) and revokedBitmap (index 10); no `address`, like a stub."""

    def __init__(self, bitmap: int) -> None:
        self.bitmap = bitmap
        self.functions = self

    def getAccount(self, user: str, provider: str) -> FakeServing:  # noqa: N802
        self._row = (user, provider, 0, 0, 0, [], "", True, 0, 1, self.bitmap)
        return self

    def call(self) -> tuple:
        return self._row


def _sessions(n: int, bitmap: int = 0) -> tuple[list[SessionAuth], FakeServing]:
    wallet = Account.create()  # a fresh wallet: the registry is process-wide
    contract = FakeServing(bitmap)
    return [SessionAuth(wallet, contract, chain_id=16602) for _ in range(n)], contract


def test_two_sessions_of_one_wallet_never_share_a_token_id():
    (a, b), _ = _sessions(2, bitmap=0b10)  # id 1 revoked on-chain
    assert a.create_api_key(PROVIDER, token_id=None, expires_in_s=60).info.token_id == 0
    assert b.create_api_key(PROVIDER, token_id=None, expires_in_s=60).info.token_id == 2
    assert a.create_api_key(PROVIDER, token_id=None, expires_in_s=60).info.token_id == 3
    assert [k.token_id for k in a.list_api_keys()] == [k.token_id for k in b.list_api_keys()] == [0, 2, 3]


def test_explicit_id_taken_by_another_session_or_revoked_is_refused():
    (a, b), _ = _sessions(2, bitmap=0b100)
    a.create_api_key(PROVIDER, token_id=5, expires_in_s=60)
    with pytest.raises(RuleError, match="5 is already used"):
        b.create_api_key(PROVIDER, token_id=5, expires_in_s=60)
    with pytest.raises(RuleError, match="2 has been revoked"):
        b.create_api_key(PROVIDER, token_id=2, expires_in_s=60)
    assert b.create_api_key(OTHER_PROVIDER, token_id=5, expires_in_s=60).info.token_id == 5  # per provider


def test_revoke_all_in_one_session_is_seen_by_every_session():
    (a, b), _ = _sessions(2)
    a.create_api_key(PROVIDER, token_id=None, expires_in_s=60)
    b.mark_revoked(PROVIDER, None)  # revokeAllTokens confirmed in session b
    assert [k.revoked for k in a.list_api_keys()] == [True]
    assert a.create_api_key(PROVIDER, token_id=0, expires_in_s=60).info.token_id == 0  # new generation


def test_other_wallets_and_chains_are_separate():
    (a,), contract = _sessions(1)
    a.create_api_key(PROVIDER, token_id=None, expires_in_s=60)
    other_chain = SessionAuth(a._account, contract, chain_id=16661)
    assert other_chain.create_api_key(PROVIDER, token_id=None, expires_in_s=60).info.token_id == 0
    other_wallet = SessionAuth(Account.create(), contract, chain_id=16602)
    assert other_wallet.create_api_key(PROVIDER, token_id=None, expires_in_s=60).info.token_id == 0


def test_registry_holds_no_token():
    (a,), _ = _sessions(1)
    key = a.create_api_key(PROVIDER, token_id=None, expires_in_s=60)
    registry = issued_keys(16602, "", a._account.address)
    assert key.token not in repr(registry.keys) and "app-sk-" not in repr(registry.keys)


def test_two_clients_of_one_wallet_on_the_local_network(devnet):
    account = new_funded_account(devnet)
    provider = devnet.provider("chat-tee")["address"]

    def client() -> OgClient:
        return OgClient("local", private_key=account.key.hex(), settings=Settings(), rpc_url=devnet.rpc_url,
                        addresses=devnet.info["addresses"])

    with client() as first, client() as second:
        ids = [first.api_keys.create(provider).info.token_id, second.api_keys.create(provider).info.token_id]
        assert ids == [0, 1]
        assert [k.token_id for k in first.api_keys.list(provider)] == [0, 1]
