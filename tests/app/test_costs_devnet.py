"""Costs on the Chat page against the real local network: a prompt past a price-tier bound is held before
anything is paid, and once sent anyway the cost the app shows (its tier named) is exactly what the
provider settles on chain; a re-sent conversation's answer names the tokens it read from the cache.
chat-cache's 1.5× tier is published only in its /v1/models (0G's CLI 0.9.0 reads integer multipliers
only), so the app must read it there."""

from __future__ import annotations

import requests

from og_core import format_og_exact
from tests.support.app import check, provider, texts

# ~1,200 tokens: past chat-tiered's 1k bound, inside its 4k one (2× input, 3× output)
TIERED_PROMPT = "Please summarise these notes. " + "The ledger pays each provider for its tokens. " * 140
# ~2,400 tokens: past chat-cache's 2k bound (1.5×, published only in /v1/models)
CACHE_PROMPT = "Please summarise these notes. " + "A sub-account holds what one provider may charge. " * 250


def _settled_decrease(net, wallet, name: str) -> int:
    address = provider(net, name)
    before = wallet.client.ledger().provider(address).balance_wei
    settled = requests.post(net.provider(name)["url"] + "/devnet/settle", timeout=60).json()["settled"]
    assert [s for s in settled if s["user"].lower() == wallet.address.lower()]
    return before - wallet.client.ledger().provider(address).balance_wei


def _chat_with(open_app, net, wallet, name: str, max_tokens: int):
    """The Chat page on provider `name`, funded, with `max_tokens` per answer: (the page, the address)."""
    address = provider(net, name)
    wallet.fund(address)
    at = open_app("chat", wallet)
    at.selectbox(key="chat_provider").set_value(address).run()
    at.number_input(key="chat_max_tokens").set_value(max_tokens).run()
    return check(at), address


def _send_held(at, prompt: str):
    at.chat_input(key="chat_input").set_value(prompt).run()
    check(at)
    assert at.session_state["chat_messages"] == []  # held: nothing sent, nothing paid
    held = " ".join(texts(at.warning))
    at.button(key="chat_send_anyway").click().run()
    check(at)
    return held, at.session_state["chat_messages"][-1]["result"]


def test_a_tier_crossing_chat_costs_what_the_app_shows_and_is_held_first(open_app, app_env, wallet):
    at, tiered = _chat_with(open_app, app_env, wallet, "chat-tiered", 40)
    before = wallet.client.ledger().provider(tiered).balance_wei
    at.chat_input(key="chat_input").set_value(TIERED_PROMPT).run()
    check(at)
    assert wallet.client.ledger().provider(tiered).balance_wei == before and not wallet.client.unsettled_fee(tiered)
    held, result = _send_held(at, TIERED_PROMPT)
    assert "Not sent yet" in held and "1k–4k tokens" in held and "2× the input price" in held
    assert 1000 < result.usage.prompt_tokens <= 4000
    caption = " ".join(texts(at.chat_message[-1].caption))
    assert "tier 1k–4k tokens (2× input, 3× output)" in caption
    assert f"cost {format_og_exact(result.cost_wei)} OG" in caption
    assert _settled_decrease(app_env, wallet, "chat-tiered") == result.cost_wei


def test_a_cached_answer_names_its_cached_tokens_and_the_models_only_tier_is_billed(open_app, app_env, wallet):
    at, _cache = _chat_with(open_app, app_env, wallet, "chat-cache", 30)
    assert any("tiers: its model list (/v1/models)" in t for t in texts(at.caption))
    held, first = _send_held(at, CACHE_PROMPT)
    assert ">2k tokens" in held and "1.5× the input price" in held
    assert first.billing.tier_text == "tier >2k tokens (1.5×)"
    at.chat_input(key="chat_input").set_value("And in one line?").run()  # that tier was accepted: not held
    check(at)
    second = at.session_state["chat_messages"][-1]["result"]
    assert 0 < second.usage.cached_tokens < second.usage.prompt_tokens
    caption = " ".join(texts(at.chat_message[-1].caption))
    assert f"{second.usage.cached_tokens:,} cached tokens at the cache price (1/10 of the input price)" in caption
    table = " ".join(texts(at.chat_message[-1].expander(key="chat_cost_3").markdown))
    assert "cached tokens (read from the provider's cache)" in table and f"**{second.cost_wei:,}**" in table
    assert _settled_decrease(app_env, wallet, "chat-cache") == first.cost_wei + second.cost_wei
