"""og_core's words for money (issue 11, What §4): one rule for what is usable, funding suggestions that
leave a provider usable, one vocabulary for refunds, and the digits a balance is shown with — against
a stand-in for the chain reads, so the plans' words are checked without a network."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from og_core import RuleError, format_balance
from og_core.accounts import LedgerView, PendingRefund, ProviderAccount
from og_core.readiness import assess, usable_wei
from og_core.tx_plans import TxPlanner

OG = 10**18
USER = "0x" + "11" * 20
PROV = "0x" + "22" * 20
ODD = 1_999_781_834_000_000_000  # a balance shown as 1.9997 OG


class Reads:
    """The chain as TxPlanner reads it: one ledger and the sub-accounts given."""

    def __init__(self, available: int, accounts: dict[str, ProviderAccount], now: int = 1_000_000) -> None:
        self.available, self.accounts, self.now = available, accounts, now
        self.ledger = SimpleNamespace(functions=SimpleNamespace(
            getLedgerProviders=lambda *_a: SimpleNamespace(call=lambda: list(self.accounts))))

    def address(self) -> str:
        return USER

    def wallet_balance(self) -> int:
        return 100 * OG

    def ledger_tuple(self, _address: str) -> tuple[int, int]:
        return self.available, self.available + sum(a.balance_wei for a in self.accounts.values())

    def provider_account(self, _address: str, provider: str) -> ProviderAccount | None:
        return self.accounts.get(provider)

    def service_name(self) -> str:
        return "inference-v1.0"

    def chain_time(self) -> int:
        return self.now

    def ledger_view(self) -> LedgerView:
        total = self.ledger_tuple(USER)[1]
        return LedgerView(USER, 100 * OG, True, self.available, total, tuple(self.accounts.values()), 86400,
                          3 * OG, OG)

    def function(self, _plan: Any) -> Any:
        raise RuntimeError("no gas estimate here")


def _account(balance: int, refunds: tuple[PendingRefund, ...] = ()) -> ProviderAccount:
    pending = sum(r.amount_wei for r in refunds if not r.processed)
    return ProviderAccount(PROV, balance, pending, True, 0, 0, refunds)


def _planner(available: int = 10 * OG, acct: ProviderAccount | None = None) -> TxPlanner:
    """A planner for USER with `available` in the ledger and, if given, a sub-account with PROV."""
    return TxPlanner(Reads(available, {PROV: acct} if acct else {}), lambda _p: None)  # type: ignore[arg-type]


def _words(plan: Any) -> str:
    return " ".join((plan.title, *plan.effects, *plan.warnings))


# ------------------------------------------------------------------ one rule for "usable"
def test_usable_is_balance_minus_pending_refunds_minus_the_reserve_minus_unsettled_fees():
    assert usable_wei(3 * OG, pending_refund_wei=OG // 2, unsettled_wei=OG // 4) == OG + OG // 4
    assert usable_wei(OG, pending_refund_wei=0, unsettled_wei=0) == 0  # all of it is the reserve
    assert usable_wei(OG // 2, pending_refund_wei=0, unsettled_wei=None) == 0  # never negative


def test_one_og_at_a_provider_is_not_usable_and_the_suggestion_leaves_it_usable():
    r = assess(PROV, (5 * OG, 6 * OG), _account(OG), 0)
    assert not r.ready and r.usable_wei == 0
    assert "nothing is left" in r.reason and "not funded yet" not in r.reason
    topped = assess(PROV, (0, 6 * OG), _account(OG + r.suggested_top_up_wei), 0)
    assert topped.ready and topped.usable_wei > 0


def test_an_empty_sub_account_is_not_called_unfunded_and_reserved_in_one_sentence():
    r = assess(PROV, (5 * OG, 5 * OG), _account(0), 0)
    assert "not funded yet" not in r.reason and "empty" in r.reason
    assert r.suggested_top_up_wei >= 2 * OG


def test_a_first_transfer_of_one_og_is_not_said_to_serve_a_request():
    plan = _planner().plan_fund_provider(PROV, "1")
    words = _words(plan)
    assert "serves about one request" not in words
    assert "nothing is left for requests" in words and "2 OG" in words
    assert "Usable for requests afterwards: 0 OG" in words
    assert "Usable for requests afterwards: 1 OG" in _words(_planner().plan_fund_provider(PROV, "2"))


def test_a_top_up_to_a_target_means_usable_after_the_reserve():
    plan = _planner(acct=_account(OG)).plan_top_up(PROV, target_og="2", cap_og="10", unsettled_wei=0)
    assert plan is not None and plan.amount_wei == 2 * OG  # 1 OG held is the reserve: 2 more make 2 usable


# ------------------------------------------------------------------ refunds: one vocabulary, one set of digits
def test_a_refund_plan_says_request_and_collect_never_retrieve():
    now = 1_000_000
    waited = PendingRefund(0, OG, now - 2 * 86400, now - 86400, False)
    plan = _planner(acct=_account(ODD + OG, (waited,))).plan_retrieve([PROV])
    words = _words(plan)
    assert "retriev" not in words.lower()
    assert plan.title.startswith("Collect 1 OG of unlocked refunds and request a refund")
    assert "Collect unlocked refunds" in words  # the Wallet button that collects it later


def test_the_refund_asked_has_the_digits_the_balance_is_shown_with():
    plan = _planner(acct=_account(ODD)).plan_retrieve([PROV])
    assert f"Request a refund of {format_balance(ODD)} from the provider" == plan.title
    assert f"requests a refund of {format_balance(ODD)}" in _words(plan)
    assert "1.999782" not in _words(plan) and format_balance(ODD) == "1.9997 OG"


def test_too_many_refunds_hint_uses_the_buttons_words():
    now = 1_000_000
    locked = tuple(PendingRefund(i, OG // 10, now, now + 86400, False) for i in range(5))
    with pytest.raises(RuleError) as info:
        _planner(acct=_account(2 * OG, locked)).plan_retrieve([PROV])
    assert "retriev" not in (info.value.message + info.value.hint).lower()
    assert "Request refund" in info.value.hint


def test_a_transcript_estimate_goes_from_the_duration_through_a_stated_speaking_rate():
    from og_core import SPEECH_TOKENS_PER_MINUTE, duration_text, estimate_transcript

    est = estimate_transcript(90, 2 * 10**12)  # 2 OG per 1M output tokens
    assert est.tokens == 3 * SPEECH_TOKENS_PER_MINUTE // 2 and est.cost_wei == est.tokens * 2 * 10**12
    assert est.per_minute_wei == SPEECH_TOKENS_PER_MINUTE * 2 * 10**12
    assert duration_text(5.3) == "5.3 s" and duration_text(115) == "1 min 55 s" and duration_text(120) == "2 min"
