"""og_core — typed, Streamlit-free client for the 0G Compute Network.

Everything a page needs is exported here; see og_core/README.md for the API list.
"""

from og_core.amounts import (
    WEI_PER_OG,
    AmountError,
    format_balance,
    format_exact,
    format_og,
    parse_og,
    wei_to_og,
)
from og_core.api_keys import ApiKeys
from og_core.attestation import AttestationLog, ComposeCheck, Report, SignerCheck, Step, attest
from og_core.billing import (
    ChatCost,
    CostEstimate,
    UsageCounts,
    chat_cost,
    estimate_cost,
    estimate_prompt_tokens,
)
from og_core.chain_history import ChainHistory, ChainTx
from og_core.client import OgClient, ProgressCallback
from og_core.config import SecretStr, Settings
from og_core.display import format_utc, short_address
from og_core.errors import (
    AmountInputError,
    ConfigError,
    ContractRevert,
    NotFoundError,
    OgError,
    ProviderError,
    ProviderErrorKind,
    ProviderUnreachable,
    ReadOnlyError,
    RpcError,
    RuleError,
    TxTimeoutError,
    UnsafeUrlError,
    WalletBusyError,
)
from og_core.images import MAX_PIXELS as MAX_IMAGE_PIXELS
from og_core.images import ImageFacts, ImageRejected, check_image
from og_core.local_tools import (
    LocalDemoAccount,
    LocalTools,
    local_demo_accounts,
    local_network_started,
    local_ready_demo,
    start_local_network,
)
from og_core.market import MarketView, ModelSummary, Offer, best_value, offers_of, summarize_models
from og_core.model_info import ModelInfo, ModelList, RateLimits, parse_model, parse_model_list
from og_core.networks import Network, local_network_stopped
from og_core.price_display import (
    TierPrice,
    og_per_million,
    price_range,
    price_table,
)
from og_core.pricing import (
    CacheBilling,
    PriceTier,
    Pricing,
    format_og_exact,
    format_tokens,
    pricing_for,
    tier_labels,
)
from og_core.readiness import usable_at_providers, usable_wei
from og_core.speech_estimate import (
    SPEECH_TOKENS_PER_MINUTE,
    TranscriptEstimate,
    duration_text,
    estimate_transcript,
)
from og_core.status import (
    HealthStatus,
    Metric,
    ModelHealth,
    StatusReport,
    cached_status,
    get_status,
    get_status_within,
    status_base_url,
)
from og_core.store import (
    ChatSession,
    Scope,
    Store,
    StoredMedia,
    StoredMessage,
    default_data_dir,
    open_store,
    redact,
)
from og_core.streaming import ChatStream
from og_core.types import (
    ApiKeyInfo,
    AttestationResult,
    ChatResult,
    ImageResult,
    LedgerView,
    NewApiKey,
    PendingRefund,
    ProviderAccount,
    ProviderHealth,
    ProviderReadiness,
    ServiceInfo,
    TranscriptResult,
    TxKind,
    TxPlan,
    TxRecord,
    TxResult,
    TxStep,
    Usage,
    VerificationResult,
    VerificationStatus,
    WalletActivity,
)

__all__ = [
    # attestation step log
    "AttestationLog", "ComposeCheck", "Report", "SignerCheck", "Step", "attest",
    # pricing (tiers, cache billing, exact costs)
    "CacheBilling", "ChatCost", "CostEstimate", "PriceTier", "Pricing", "TierPrice", "UsageCounts", "chat_cost",
    "estimate_cost", "estimate_prompt_tokens", "format_og_exact", "og_per_million", "price_range", "price_table",
    "pricing_for", "format_tokens", "tier_labels",
    # the marketplace by model
    "MarketView", "ModelSummary", "Offer", "best_value", "offers_of", "summarize_models",
    # /v1/models objects
    "ModelInfo", "ModelList", "RateLimits", "parse_model", "parse_model_list",
    # 0G's status service (health per provider and model)
    "HealthStatus", "Metric", "ModelHealth", "StatusReport", "cached_status", "get_status", "get_status_within", "status_base_url",
    # the local store (conversations, gallery, transcripts, settings, transaction notes)
    "ChainHistory", "ChainTx", "ChatSession", "Scope", "Store", "StoredMedia", "StoredMessage", "default_data_dir", "open_store", "redact",
    "WEI_PER_OG", "AmountError", "AmountInputError", "ApiKeyInfo", "ApiKeys", "AttestationResult", "ChatResult",
    "ChatStream", "ConfigError", "ContractRevert", "ImageFacts", "ImageRejected", "ImageResult", "LedgerView", "LocalDemoAccount",
    "LocalTools", "Network", "NewApiKey", "NotFoundError", "OgClient", "OgError", "PendingRefund",
    "ProgressCallback", "ProviderAccount", "ProviderError", "ProviderErrorKind", "ProviderHealth", "ProviderReadiness",
    "ProviderUnreachable", "ReadOnlyError", "RpcError", "RuleError", "SecretStr", "ServiceInfo", "Settings",
    "TranscriptResult", "TxKind", "TxPlan", "TxRecord", "TxResult", "TxStep", "TxTimeoutError",
    "UnsafeUrlError", "Usage", "VerificationResult", "VerificationStatus", "WalletActivity", "WalletBusyError",
    "MAX_IMAGE_PIXELS", "check_image", "format_balance", "format_exact", "format_og", "format_utc", "local_demo_accounts", "local_network_started", "local_network_stopped",
    "parse_og", "short_address", "start_local_network", "usable_at_providers", "usable_wei", "wei_to_og",
    "local_ready_demo",  # the demo wallet the local network made ready at genesis
    # speech-to-text: a per-file estimate from the clip's duration
    "SPEECH_TOKENS_PER_MINUTE", "TranscriptEstimate", "duration_text", "estimate_transcript",
]
