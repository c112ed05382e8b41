"""Every typed result og_core hands out, gathered for `from og_core.types import …`.

Each type lives with its domain: services in og_core/service.py, what a wallet holds in
og_core/accounts.py, transactions in og_core/transactions.py, request and verification results in
og_core/results.py, API keys in og_core/auth.py, networks in og_core/networks.py. Pages import them
from the og_core root.
"""

from og_core.accounts import LedgerView, PendingRefund, ProviderAccount, ProviderReadiness
from og_core.amounts import OgAmount
from og_core.auth import ApiKeyInfo, NewApiKey
from og_core.networks import Network
from og_core.results import (
    AttestationResult,
    ChatResult,
    ImageResult,
    TranscriptResult,
    Usage,
    VerificationResult,
    VerificationStatus,
)
from og_core.service import ProviderHealth, ServiceInfo
from og_core.transactions import TxKind, TxPlan, TxRecord, TxResult, TxStep, WalletActivity

__all__ = [
    "ApiKeyInfo", "AttestationResult", "ChatResult", "ImageResult", "LedgerView", "Network", "NewApiKey",
    "OgAmount", "PendingRefund", "ProviderAccount", "ProviderHealth", "ProviderReadiness", "ServiceInfo",
    "TranscriptResult", "TxKind", "TxPlan", "TxRecord", "TxResult", "TxStep", "Usage", "VerificationResult",
    "VerificationStatus", "WalletActivity",
]
