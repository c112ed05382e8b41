"""Fees (tiers and cache-token billing, in the broker's integers), admission (`validate request: …`) and
the per-user unsettled ledger."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from .chainview import AccountState, ServiceState
from .pricing import CacheBilling, Multiplier, Tier, matched_tier

MIN_RESERVE = 10**18  # the real broker's minimum locked balance: 1 0G on top of fees


@dataclass(frozen=True)
class ChatUsage:
    """What the engine reports; the cache counts are parts of `prompt_tokens`."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0  # prompt_tokens_details.cached_tokens: read from the cache
    cache_write_tokens: int = 0  # written to the cache (5-minute TTL)
    cache_write_1h_tokens: int = 0

    def as_json(self) -> dict:
        """The OpenAI `usage` object (cache fields only when there is something to say)."""
        out: dict = {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                     "total_tokens": self.prompt_tokens + self.completion_tokens}
        if self.cached_tokens:
            out["prompt_tokens_details"] = {"cached_tokens": self.cached_tokens}
        if self.cache_write_tokens:
            out["cache_write_tokens"] = self.cache_write_tokens
        if self.cache_write_1h_tokens:
            out["cache_write_1h_tokens"] = self.cache_write_1h_tokens
        return out


@dataclass(frozen=True)
class ChatFee:
    input_fee: int
    output_fee: int
    tier_label: str  # "tier:<=N", "tier:unbounded", or "" without tiers

    @property
    def total(self) -> int:
        return self.input_fee + self.output_fee


def _premium(amount: int, m: Multiplier) -> int:
    return amount * m.num // m.den


def input_fee(price: int, usage: ChatUsage, cache: CacheBilling | None) -> int:
    """The broker's computeInputFee: cached tokens at P/divisor, written ones at P × premium (each
    floored over its whole product), the rest at P. A write is carved out only when its premium exists."""
    prompt = usage.prompt_tokens
    if cache is None:
        return price * prompt
    cached = min(max(usage.cached_tokens, 0), prompt)
    remaining = prompt - cached
    write = write_1h = 0
    if cache.write is not None:
        write = min(max(usage.cache_write_tokens, 0), remaining)
        remaining -= write
    w1 = cache.effective_write_1h
    if w1 is not None:
        write_1h = min(max(usage.cache_write_1h_tokens, 0), remaining)
    full = prompt - cached - write - write_1h
    fee = price * full + price * cached // cache.divisor
    if cache.write is not None:
        fee += _premium(price * write, cache.write)
    if w1 is not None:
        fee += _premium(price * write_1h, w1)
    return fee


def chat_fee(usage: ChatUsage, input_price: int, output_price: int, tiers: tuple[Tier, ...] = (),
             cache: CacheBilling | None = None) -> ChatFee:
    """One chat's fee: the tier picked by the whole prompt multiplies both base prices (floored), then
    cache billing splits the input side; the completion is billed at the tier's output price."""
    tier = matched_tier(tiers, usage.prompt_tokens)
    p_in = tier.input.apply(input_price) if tier else input_price
    p_out = tier.output.apply(output_price) if tier else output_price
    return ChatFee(input_fee(p_in, usage, cache), p_out * usage.completion_tokens, tier.label if tier else "")


def image_fee(n: int, output_price: int) -> int:
    return n * output_price


def stt_fee(output_tokens: int, output_price: int) -> int:
    return output_tokens * output_price


def to_0g(wei: int) -> str:
    """Wei as 0G with 6 decimals, like the broker's big.Float Text('f', 6)."""
    return str((Decimal(wei) / Decimal(10**18)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN))


def insufficient_message(locked: int, fee: int, unsettled: int, provider: str) -> str:
    total = fee + unsettled + MIN_RESERVE
    return (
        f"insufficient balance: your locked balance is {to_0g(locked)} 0G, but the required minimum is "
        f"{to_0g(total)} 0G (breakdown: minimum reserve {to_0g(MIN_RESERVE)} 0G + unsettled fees "
        f"{to_0g(unsettled)} 0G + current request fee {to_0g(fee)} 0G). Please add more funds with: "
        f"0g-compute-cli transfer-fund --provider {provider} --amount <amount>"
    )


def admission_error(account: AccountState | str, service: ServiceState, fee: int, unsettled: int,
                    provider: str) -> str | None:
    """The first failing admission check, in the real broker's order, or None."""
    if isinstance(account, str):  # "account not exist", or why the chain could not be read
        return f"get account from contract, {account}"
    if not account.acknowledged:
        return ("user not acknowledge the provider, please use acknowledgeProviderSigner function in sdk "
                "first, it will take effect in 2 minutes")
    if not service.tee_acknowledged:
        return "service not acknowledge the tee signer"
    if account.locked < fee + unsettled + MIN_RESERVE:
        return insufficient_message(account.locked, fee, unsettled, provider)
    return None


@dataclass
class _Pending:
    fee: int = 0
    request_hashes: list[bytes] = field(default_factory=list)


class UnsettledLedger:
    """Fees served but not yet settled on chain, per user (thread-safe: settlement runs in a thread)."""

    def __init__(self) -> None:
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()

    def add(self, user: str, fee: int, request_hash: bytes) -> None:
        with self._lock:
            p = self._pending.setdefault(user.lower(), _Pending())
            p.fee += fee
            p.request_hashes.append(request_hash)

    def fee(self, user: str) -> int:
        p = self._pending.get(user.lower())
        return p.fee if p else 0

    def snapshot(self) -> dict[str, tuple[int, list[bytes]]]:
        """Users with something to settle: user -> (fee, request hashes)."""
        with self._lock:
            return {u: (p.fee, list(p.request_hashes)) for u, p in self._pending.items() if p.fee > 0}

    def settled(self, user: str, fee: int, count: int) -> None:
        """Subtract what went on chain (new fees may have arrived meanwhile)."""
        with self._lock:
            p = self._pending.get(user.lower())
            if p is None:
                return
            p.fee -= fee
            del p.request_hashes[:count]
            if p.fee <= 0 and not p.request_hashes:
                del self._pending[user.lower()]
