"""The 0G Compute protocol's rules and constants that og_core checks before the contracts would refuse.

What the contracts enforce (minimums, limits) is checked in the plans (og_core.tx_plans), so a user
reads the rule in words before any pre-flight; docs/protocol.md says where each number comes from.
"""

from __future__ import annotations

from og_core.amounts import WEI_PER_OG

OG = WEI_PER_OG
MIN_LEDGER_WEI = 3 * OG  # LedgerManager: a new ledger, and what may remain after a withdrawal (or 0)
MIN_FIRST_TRANSFER_WEI = 1 * OG  # the first transfer to a provider
RECOMMENDED_FIRST_TRANSFER_WEI = 2 * OG  # the provider keeps a 1 OG reserve
PROVIDER_RESERVE_WEI = 1 * OG  # 0G's brokers keep this much of a sub-account locked
MAX_PROVIDERS_PER_RETRIEVE = 20  # providers one retrieveFund handles
MAX_PROVIDERS_PER_SERVICE = 50  # LedgerManager: TooManyProvidersForService
MAX_ACTIVE_REFUNDS = 5  # InferenceServing: TooManyRefunds (per user and provider)
MAX_TOKEN_ID = 254  # API key ids 0..254 (255 is the session token's)
