"""`client.api_keys`: persistent API keys of one wallet — signed by og_core (auth.py), revoked on-chain
through a transaction plan (tx_plans.py)."""

from __future__ import annotations

from og_core.auth import ApiKeyInfo, NewApiKey, SessionAuth, token_id_value
from og_core.transactions import TxPlan
from og_core.tx_plans import TxPlanner


class ApiKeys:
    """Persistent API keys (token ids 0–254) for one wallet. Reached as `client.api_keys`."""

    def __init__(self, auth: SessionAuth, plans: TxPlanner) -> None:
        self._auth = auth
        self._plans = plans

    def create(self, provider: str, *, token_id: int | None = None, expires_in_s: int = 30 * 24 * 3600) -> NewApiKey:
        """Sign a persistent API key. No transaction, no funding.

        token_id None → the lowest id that is neither revoked on-chain nor held by a key this wallet
        issued in this process (from any session: clients of one wallet share the record). An
        explicit token_id that is revoked or held raises RuleError. The record is in memory only:
        after a restart, ids issued before are known only once revoked on-chain.
        expires_in_s 0 → never expires (explicit choice only). The returned `NewApiKey.token` is the
        secret bearer token: shown once, not kept by og_core.
        """
        return self._auth.create_api_key(provider, token_id=token_id, expires_in_s=expires_in_s)

    def list(self, provider: str | None = None) -> list[ApiKeyInfo]:
        """Keys this wallet issued in this process, by any session (no secrets), with their on-chain
        revocation state. Empty after a restart (the record is not persisted)."""
        return self._auth.list_api_keys(provider)

    def plan_revoke(self, provider: str, token_id: int) -> TxPlan:
        """Plan `revokeToken(provider, token_id)` (a transaction; execute with `client.execute`)."""
        return self._plans.plan_revoke_token(provider, token_id_value(token_id))

    def plan_revoke_all(self, provider: str) -> TxPlan:
        """Plan `revokeAllTokens(provider)`: bumps the generation — every key AND session token dies;
        og_core rebuilds its own session token automatically afterwards."""
        return self._plans.plan_revoke_all_tokens(provider)
