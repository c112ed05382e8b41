"""Costs on Chat, Compare and the media pages (og_ui/costs.py) against the in-memory client: the estimate
names its tier and source, a prompt that would be billed in a dearer tier is held until the user
chooses ("Send anyway" / "Don't send": nothing moves before), each answer's cost names its tier and
cached tokens, with the fee-by-fee breakdown in an expander."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from og_core import ModelList, parse_model
from og_ui.inert import inert
from tests.support.app import APP, check, texts
from tests.support.fake_client import ONE_OG, FakeNetwork, SubAccount, make_service

TIMEOUT = 30
IN, OUT = 10**12, 2 * 10**12
# the first 20 prompt tokens at the base price, longer prompts at 2× (the fake counts words as tokens)
TIERS = {"tieredPricing": {"tiers": [{"maxInputTokens": 20, "inputMultiplier": 1, "outputMultiplier": 1},
                                     {"maxInputTokens": 0, "inputMultiplier": 2, "outputMultiplier": 2}]}}
CACHE = {"cacheTokenBilling": {"divisor": 10}}
LONG = " ".join(["word"] * 40)  # 40 tokens for the fake provider, ~50 by the estimate: past the bound


def _open(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    check(at.run())
    at.switch_page(f"app_pages/{page}.py")
    return check(at.run())


def _fund(net: FakeNetwork, *providers: str) -> str:
    user = next(c.address for c in net.clients if c.address)
    net.ledgers[user] = 10 * ONE_OG
    for p in providers:
        net.accounts[(user, p)] = SubAccount(balance_wei=3 * ONE_OG)
    return user


@pytest.fixture
def tiered(fake_net):
    fake_net.services[:2] = [make_service(1, "chatbot", "fake/chat-tiered", info={**TIERS, **CACHE}),
                             make_service(2, "chatbot", "fake/chat-plain", tee=False)]
    return fake_net


def _balance(net: FakeNetwork, user: str, provider: str) -> int:
    return net.accounts[(user, provider)].balance_wei


def test_a_short_chat_names_its_tier_and_cached_tokens_with_the_breakdown(tiered):
    svc = tiered.services[0]
    tiered.cached_tokens = 2
    at = _open("chat")
    _fund(tiered, svc.provider)
    check(at.run())
    shown = " ".join(texts(at.caption))
    assert "Estimated cost: at most" in shown and "tier ≤20 tokens (1×)" in shown
    assert "tiers: its on-chain additionalInfo" in shown and "cost 1/10 of the input price" in shown
    at.chat_input(key="chat_input").set_value("Hi there").run()
    check(at)
    answer = at.chat_message[1]
    meta = " ".join(texts(answer.caption))
    result = at.session_state["chat_messages"][1]["result"]
    assert "tier ≤20 tokens (1×)" in meta and "2 cached tokens at the cache price (1/10 of the input price)" in meta
    assert f"cost {result.billing.total_wei / 10**18:.12f}".rstrip("0") in meta  # exact, not rounded to 8 places
    table = " ".join(texts(answer.expander(key="chat_cost_1").markdown))
    assert "cached tokens (read from the provider's cache)" in table and f"{IN:,} ÷ 10" in table
    assert f"**{result.cost_wei:,}**" in table and "Each fee is rounded down to the neuron" in table


def test_a_prompt_past_the_tier_bound_is_held_until_the_user_chooses(tiered):
    svc = tiered.services[0]
    at = _open("chat")
    user = _fund(tiered, svc.provider)
    check(at.run())
    before = _balance(tiered, user, svc.provider)

    at.chat_input(key="chat_input").set_value(LONG).run()
    check(at)
    assert at.session_state["chat_messages"] == [] and _balance(tiered, user, svc.provider) == before
    held = " ".join(texts(at.warning))
    assert "Not sent yet — a dearer price tier" in held and ">20 tokens" in held and "2× the input price" in held
    at.button(key="chat_dont_send").click().run()
    check(at)
    assert at.session_state["chat_messages"] == [] and _balance(tiered, user, svc.provider) == before
    assert not [b for b in at.button if b.key == "chat_send_anyway"]

    at.chat_input(key="chat_input").set_value(LONG).run()
    at.button(key="chat_send_anyway").click().run()
    check(at)
    result = at.session_state["chat_messages"][1]["result"]
    assert result.billing.tier_label == ">20 tokens" and result.billing.input_price_wei == 2 * IN
    assert before - _balance(tiered, user, svc.provider) == result.cost_wei
    assert "tier >20 tokens (2×)" in " ".join(texts(at.chat_message[1].caption))

    # accepted for this conversation: the next message in that tier is not asked about again
    at.chat_input(key="chat_input").set_value("and more").run()
    check(at)
    assert len(at.session_state["chat_messages"]) == 4


def test_tiers_published_only_in_the_model_list_are_used(fake_net):
    svc = fake_net.services[0]
    listed = {"prompt": str(svc.input_price_wei), "completion": str(svc.output_price_wei),
              "tiered_pricing": [{"max_input_tokens": 20, "input_multiplier": 1, "output_multiplier": 1},
                                 {"max_input_tokens": 0, "input_multiplier": 3, "output_multiplier": 2,
                                  "input_multiplier_denominator": 2}]}
    model, _ = parse_model({"id": svc.model, "pricing": listed}, input_price_wei=svc.input_price_wei,
                           output_price_wei=svc.output_price_wei, additional_info={})
    fake_net.model_lists[svc.provider] = ModelList((model,))
    at = _open("chat")
    _fund(fake_net, svc.provider)
    check(at.run())
    assert "tiers: its model list (/v1/models)" in " ".join(texts(at.caption))
    at.chat_input(key="chat_input").set_value(LONG).run()
    assert "1.5× the input price" in " ".join(texts(at.warning))


def test_compare_shows_per_column_estimates_and_holds_a_dearer_tier(tiered):
    tier_svc, plain = tiered.services[0], tiered.services[1]
    at = _open("compare")
    user = _fund(tiered, tier_svc.provider, plain.provider)
    at.multiselect(key="cmp_providers").set_value([tier_svc.provider, plain.provider])
    at.text_area(key="cmp_prompt").set_value(LONG).run()
    check(at)
    estimates = [t for t in texts(at.caption) if t.startswith("Estimated cost")]
    assert len(estimates) == 2 and "tier >20 tokens (2×)" in estimates[0] and "tier" not in estimates[1]
    at.button(key="cmp_run").click().run()
    check(at)
    assert "cmp_results" not in at.session_state and _balance(tiered, user, plain.provider) == 3 * ONE_OG
    assert any("Not sent yet" in t and inert("fake/chat-tiered") in t for t in texts(at.warning))
    at.button(key="cmp_send_anyway").click().run()
    check(at)
    rows = at.session_state["cmp_results"]["result"]
    assert [r[1].billing.tier_label for r in rows] == [">20 tokens", ""]
    assert any("tier >20 tokens (2×)" in t for t in texts(at.caption))
    assert at.expander(key=f"cmp_cost_{tier_svc.provider}") is not None


def test_media_pages_price_in_their_own_units(fake_net):
    image = fake_net.of_type("text-to-image")
    at = _open("text_to_image")
    _fund(fake_net, image.provider)
    at.number_input(key="img_count").set_value(3).run()
    check(at)
    assert any("3 images × 0.001 OG per image (the service's on-chain price) = 0.003 OG" in t
               for t in texts(at.caption))
    at.text_area(key="img_prompt").set_value("a red house")
    at.button(key="img_run").click().run()
    check(at)
    assert any("cost 0.003 OG (3 images × 0.001 OG per image)" in t for t in texts(at.caption))

    at.switch_page("app_pages/speech_to_text.py")
    check(at.run())
    assert any("Billed per output token: 2 OG per 1M output tokens" in t for t in texts(at.caption))
