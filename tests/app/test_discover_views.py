"""Discover in the fast tier (tests/support/fake_client.py): the Models view beside the Providers table,
prices per tier, health, the model object, the attestation log, `?model=` links, type filters that read
naturally, selections that stay or clear (never jump), and hostile market data."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from og_core import AttestationLog, Metric, ModelHealth, ModelList, Report, StatusReport, Step, parse_model
from og_ui.attest_view import download_name
from og_ui.inert import inert
from tests.support.app import APP, check, texts
from tests.support.fake_client import FakeNetwork, make_service

TIMEOUT = 30
MODEL = "local/shared-chat"
TIERS = {"tieredPricing": {"tiers": [
    {"inputMultiplier": 1, "maxInputTokens": 32000, "outputMultiplier": 1},
    {"inputMultiplier": 2, "maxInputTokens": 128000, "outputMultiplier": 3},
    {"inputMultiplier": 5, "inputMultiplierDenominator": 2, "maxInputTokens": 0, "outputMultiplier": 4}]},
    "cacheTokenBilling": {"divisor": 10}}


def _with_info(svc, info):
    return replace(svc, additional_info=info, additional_info_raw=json.dumps(info))


def _health(svc, status, uptime, p50, p99):
    return ModelHealth(svc.provider, svc.model, status, "chatbot", uptime, 100, 100 - int(uptime),
                       Metric("ms", p50=p50, p99=p99))


@pytest.fixture
def market(fake_net: FakeNetwork) -> FakeNetwork:
    """Three providers of one model: a tiered one with cache billing (marketplace.md §1.8: 0.1 / 0.4 OG
    per 1M tokens), a dearer unverified one, and the cheapest (the best value)."""
    tiered = _with_info(make_service(11, "chatbot", MODEL, input_price_wei=10**11, output_price_wei=4 * 10**11), TIERS)
    plain = make_service(12, "chatbot", MODEL, tee=False, input_price_wei=2 * 10**11, output_price_wei=4 * 10**11)
    cheap = make_service(13, "chatbot", MODEL, input_price_wei=5 * 10**10, output_price_wei=3 * 10**11)
    fake_net.services = [*fake_net.services, tiered, plain, cheap]
    fake_net.status = StatusReport(base_url="http://status.invalid", entries=(
        _health(tiered, "healthy", 99.5, 120, 900), _health(plain, "warning", 80.0, 400, 2500),
        _health(cheap, "critical", 40.0, 50, 300)))
    return fake_net


def _open(**state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in state.items():
        at.session_state[k] = v
    return check(at.run())


def _click_row(at: AppTest, key: str, row: int | None) -> AppTest:
    """What a click on a table row sends (AppTest cannot click dataframe rows)."""
    at.session_state[key] = {"selection": {"rows": [] if row is None else [row], "columns": [], "cells": []}}
    return check(at.run())


def _shown(at: AppTest) -> str:
    return "\n".join(texts(at.markdown) + texts(at.caption) + texts(at.subheader) + texts(at.error)
                     + texts(at.warning) + texts(at.success) + texts(at.info)).replace("\\", "").replace("\u2060", "")


def _card(at: AppTest, n: int) -> str:
    """The text of offer card `n` (badges are markdown)."""
    return "\n".join(texts(at.get_by_key(f"disc_offer_{n}").markdown))


def _models_view(at: AppTest) -> AppTest:
    at.segmented_control(key="disc_view").set_value("Models")
    return check(at.run())


# ----------------------------------------------------------------- type filters and selections (issue 11)


def test_type_filters_start_empty_show_all_and_chat_shows_only_chat(fake_net):
    at = _open()
    assert at.pills(key="disc_types").value == []  # none picked: was every type picked, so "Chat" hid chat
    assert len(at.dataframe(key="disc_table").value) == len(fake_net.services)
    at.pills(key="disc_types").set_value(["chatbot"])
    check(at.run())
    assert set(at.dataframe(key="disc_table").value["type"]) == {"Chat"}


def test_a_filter_change_keeps_the_selection_where_it_is(fake_net):
    at = _open()
    image = fake_net.of_type("text-to-image")
    row = [s.provider for s in fake_net.services].index(image.provider)
    _click_row(at, "disc_table", row)
    assert image.provider in texts(at.code)
    at.pills(key="disc_types").set_value(["text-to-image", "speech-to-text"])  # it is row 0 now
    check(at.run())
    assert image.provider in texts(at.code), "the selection moved when the table was filtered"
    assert at.session_state["disc_selected"] == image.provider
    assert at.session_state["disc_table"]["selection"]["rows"] == [0]  # the row highlighted follows it
    assert at.button(key="disc_use").label == "Use in text-to-image"


def test_a_filter_that_hides_the_selection_clears_it_and_never_picks_another(fake_net):
    at = _open()
    plain = next(s for s in fake_net.services if s.model == "fake/chat-plain")
    _click_row(at, "disc_table", [s.provider for s in fake_net.services].index(plain.provider))
    assert plain.provider in texts(at.code)
    at.pills(key="disc_types").set_value(["text-to-image", "image-editing"])
    check(at.run())
    assert texts(at.code) == [], "another provider was selected in place of the hidden one"
    assert "disc_use" not in [b.key for b in at.button]
    at.pills(key="disc_types").set_value([])  # shown again: still nothing chosen for the user
    check(at.run())
    assert texts(at.code) == []


def test_unselecting_the_row_closes_the_details(fake_net):
    at = _open()
    _click_row(at, "disc_table", 0)
    assert texts(at.code) == [fake_net.services[0].provider]
    _click_row(at, "disc_table", None)
    assert texts(at.code) == []


# ----------------------------------------------------------------- the Models view


def test_models_view_one_row_per_model_with_providers_verified_price_range_best_value_health(market):
    at = _models_view(_open())
    rows = {r["model"]: r for r in at.dataframe(key="disc_models").value.to_dict("records")}
    assert len(rows) == len({s.model for s in market.services})
    shared = rows[MODEL]
    assert shared["providers"] == 3 and shared["verified"] == "2/3"
    assert shared["price"] == "in 0.05–0.2 · out 0.3–0.4 OG per 1M tokens (tiered)"
    cheap = market.services[-1]
    assert shared["best value"] == f"{cheap.provider[:6]}…{cheap.provider[-4:]}"
    assert shared["health"] == "1/3 healthy · best p50 50 ms"
    assert list(at.dataframe(key="disc_models").value.columns[:3]) == ["model", "price", "health"]  # phone: first
    assert rows["fake/image"]["price"] == "0.001 OG per image"


def test_choosing_a_model_lists_its_providers_with_tiers_health_and_one_click_to_chat(market):
    at = _models_view(_open())
    ids = list(at.dataframe(key="disc_models").value["model"])
    _click_row(at, "disc_models", ids.index(MODEL))
    assert at.query_params["model"] == MODEL  # a link to this view
    shown = _shown(at)
    assert "3 providers" in shown
    assert "High availability · 99.50% up · p50 120 ms, p99 900 ms" in shown
    assert "Service degraded · 40.00% up · p50 50 ms, p99 300 ms" in shown
    cards = [_card(at, n) for n in range(3)]
    assert ["Best value" in c for c in cards] == [False, False, True]  # one, on the cheapest offer's card
    tiered = at.dataframe[1].value  # the tiered offer's card (first card: the tiered provider)
    assert list(tiered.index) == ["≤32k tokens", "32k–128k tokens", ">128k tokens"]
    assert list(tiered["input"]) == ["0.1", "0.2", "0.25"]  # OG per 1M tokens, 5/2 folded in exactly
    assert list(tiered["output"]) == ["0.4", "1.2", "1.6"]
    assert list(tiered["cache hit"]) == ["0.01", "0.02", "0.025"]
    at.button(key="disc_offer_2_use").click()
    check(at.run())
    assert at.title[0].value == "Chat"
    assert at.session_state["chat_provider"] == market.services[-1].provider


def test_best_value_is_among_the_providers_shown(market):
    at = _open()
    at.toggle(key="disc_verifiable").set_value(True)  # the unverified one is hidden; the cheapest stays best
    at = _models_view(check(at.run()))
    shared = next(r for r in at.dataframe(key="disc_models").value.to_dict("records") if r["model"] == MODEL)
    assert shared["providers"] == 2 and shared["verified"] == "2/2"
    at.text_input(key="disc_search").set_value("shared")
    check(at.run())
    assert list(at.dataframe(key="disc_models").value["model"]) == [MODEL]


def test_a_model_link_opens_the_models_view_on_that_model(market):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["model"] = MODEL
    check(at.run())
    assert at.segmented_control(key="disc_view").value == "Models"
    assert at.session_state["disc_model"] == MODEL
    assert "3 providers" in _shown(at)


def test_a_link_to_an_unknown_model_says_so(market):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["model"] = "no/such-model"
    check(at.run())
    assert "No model named “no/such-model” is offered here" in _shown(at)
    assert "model" not in at.query_params


def test_the_model_selection_survives_a_filter_and_clears_when_hidden(market):
    at = _models_view(_open())
    ids = list(at.dataframe(key="disc_models").value["model"])
    _click_row(at, "disc_models", ids.index(MODEL))
    at.pills(key="disc_types").set_value(["text-to-image", "chatbot"])
    check(at.run())
    assert at.session_state["disc_model"] == MODEL
    at.pills(key="disc_types").set_value(["text-to-image"])
    check(at.run())
    assert at.session_state["disc_model"] is None and "3 providers" not in _shown(at)


# ----------------------------------------------------------------- details: model object, attestation


def test_details_show_the_model_object_and_prices_per_tier(market):
    tiered = market.services[-3]
    obj = {"id": MODEL, "object": "model", "owned_by": "qwen-team", "description": "A shared local model.",
           "type": "chatbot", "context_length": 131072, "max_completion_tokens": 8192,
           "supported_parameters": ["temperature", "top_p"], "rate_limits": {"requests_per_minute": 30},
           "tee_type": "TDX", "provider_type": "centralized", "provider_name": "Local Labs",
           "provider_country": "de", "expiration_date": "2030-01-31T12:00:00Z",
           "pricing": {"prompt": str(10**11), "completion": str(4 * 10**11)}}
    info, _ = parse_model(obj, input_price_wei=10**11, output_price_wei=4 * 10**11,
                          additional_info=tiered.additional_info, provider=tiered.provider)
    market.model_lists[tiered.provider] = ModelList((info,))
    at = _models_view(_open())
    _click_row(at, "disc_models", list(at.dataframe(key="disc_models").value["model"]).index(MODEL))
    at.button(key="disc_offer_0_details").click()
    check(at.run())
    assert tiered.provider in texts(at.code)
    rows = dict(at.table[-1].value["value"].items())
    assert rows["Context length"] == "131,072 tokens" and rows["Max completion tokens"] == "8,192 tokens"
    assert rows["Owned by"] == "qwen-team" and rows["Description"] == "A shared local model."
    assert rows["Supported parameters"] == "temperature, top_p"
    assert rows["Rate limits"] == "30 requests/min"
    assert rows["TEE type"] == "TDX" and rows["Provider type"] == "centralized"
    assert rows["Provider name"] == "Local Labs" and rows["Provider country"] == "DE"
    assert rows["Expiry"] == "This model expires on 2030-01-31 12:00 UTC."


def test_attestation_log_runs_in_the_background_and_offers_each_report(market):
    svc = market.of_type("chatbot")
    raw = b'{"report_data": "AAAA", "quote": "abc"}\n'
    market.attestations[svc.provider] = AttestationLog(
        svc.provider, "passed", "Attestation passed: signer 1/1 match, compose hash 1/1 match.",
        (Step("info", "Step 1 — service read."), Step("success", "Step 4 — signer MATCH.")),
        reports=(Report("combined", "http://x/v1/quote", raw=raw, data={"quote": "abc"}),), reports_needed=1)
    at = _open(disc_selected=svc.provider)
    at.button(key="disc_attest_btn").click()
    check(at.run())
    assert [s.value for s in at.success] == [inert("Attestation passed: signer 1/1 match, compose hash 1/1 match.")]
    assert "Step 4 — signer MATCH." in _shown(at)
    [download] = at.get("download_button")
    assert download.label == "Download combined attestation report"
    assert download_name(svc.provider, market.attestations[svc.provider].reports[0]) == f"{svc.provider}-quote.json"


def test_a_failed_step_never_reads_passed(market):
    svc = market.of_type("chatbot")
    market.attestations[svc.provider] = AttestationLog(
        svc.provider, "failed", "Attestation FAILED: the compose hash does not match.",
        (Step("success", "Step 4 — signer MATCH."), Step("error", "Step 5 — compose hash MISMATCH.")))
    at = _open(disc_selected=svc.provider)
    at.button(key="disc_attest_btn").click()
    check(at.run())
    assert not at.success
    assert [e.value for e in at.error] == [inert("Attestation FAILED: the compose hash does not match.")]
    assert "Step 5 — compose hash MISMATCH." in _shown(at)


def test_download_names():
    assert download_name("0xAb", Report("llm", "u")) == "0xAb-llm-report.json"
    assert download_name("0xAb", Report("broker", "u")) == "0xAb-quote.json"


# ----------------------------------------------------------------- hostile market data


def test_malformed_market_data_is_a_note_on_that_service_never_a_broken_page(fake_net):
    bad_tiers = _with_info(make_service(21, "chatbot", "hostile/tiers"), {"tieredPricing": []})
    bad_cache = _with_info(make_service(22, "chatbot", "hostile/cache"), {"cacheTokenBilling": {"divisor": 0}})
    not_json = replace(make_service(23, "chatbot", "hostile/info"), additional_info=None,
                       additional_info_raw="{not json", additional_info_error="its additionalInfo is not JSON")
    fake_net.services = [bad_tiers, bad_cache, not_json, *fake_net.services]
    fake_net.status = StatusReport(base_url="http://status.invalid", entries=(
        ModelHealth(bad_tiers.provider, bad_tiers.model, "unknown"),), notes=("Status entry 2 is not an object.",))
    fake_net.model_lists[bad_cache.provider] = ModelList(error="The provider's model list is not valid JSON.")
    at = _open()
    assert len(at.dataframe(key="disc_table").value) == len(fake_net.services)
    _click_row(at, "disc_table", 0)
    assert "The tiered pricing in the service's additionalInfo was ignored" in _shown(at)
    _click_row(at, "disc_table", 1)
    shown = _shown(at)
    assert "The cache-token billing in the service's additionalInfo was ignored" in shown
    assert "The provider's model list is not valid JSON." in shown
    _click_row(at, "disc_table", 2)
    assert "its additionalInfo is not JSON" in _shown(at)
    at = _models_view(at)
    _click_row(at, "disc_models", list(at.dataframe(key="disc_models").value["model"]).index("hostile/tiers"))
    assert "The tiered pricing in the service's additionalInfo was ignored" in _shown(at)
    assert "Status unknown" in _shown(at)
