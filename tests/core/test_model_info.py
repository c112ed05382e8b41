"""/v1/models objects parsed tolerantly: every field typed, a bad field or object a note, never an exception."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import httpx
import pytest

from og_core.model_info import fetch_model_list, parse_model, parse_model_list
from og_core.pricing import (
    PriceTier,
)
from og_core.safety import UrlGuard
from tests.support.fakes import FakeProvider, Flood, send_json

FULL = {
    "id": "local/chat-tiered", "canonical_id": "chat-tiered", "object": "model", "created": 1764800000,
    "owned_by": "0G Labs", "name": "Chat (tiered)", "description": "A chat model.", "type": "chatbot",
    "context_length": 262144, "max_completion_tokens": 8192,
    "architecture": {"modality": "text->text", "input_modalities": ["text"], "output_modalities": ["text"],
                     "tokenizer": "Llama3"},
    "supported_parameters": ["temperature", "top_p", 7, "max_tokens"], "supported_formats": ["openai"],
    "default_parameters": {"temperature": 0.7},
    "pricing": {"prompt": "100000000000", "completion": "400000000000",
                "tiered_pricing": [{"max_input_tokens": 32000, "input_multiplier": 1, "output_multiplier": 1},
                                   {"max_input_tokens": 0, "input_multiplier": 3, "output_multiplier": 2,
                                    "input_multiplier_denominator": 2}],
                "cache_token_billing": {"divisor": 10}},
    "verifiability": "TeeML", "tee_attested": True, "tee_type": "TDX", "tee_verifier": "dstack",
    "expiration_date": "2099-01-31T12:00:00Z", "provider_name": "Local Labs", "provider_country": "de",
    "rate_limits": {"requests_per_minute": 30, "tokens_per_minute": 0},
}


def test_a_full_object_is_typed():
    model, notes = parse_model(FULL, input_price_wei=10**11, output_price_wei=4 * 10**11, additional_info={})
    assert model is not None and notes == ()
    assert (model.id, model.canonical_id, model.owned_by, model.name, model.service_type) == (
        "local/chat-tiered", "chat-tiered", "0G Labs", "Chat (tiered)", "chatbot")
    assert (model.context_length, model.max_completion_tokens, model.modality, model.tokenizer) == (
        262144, 8192, "text->text", "Llama3")
    assert model.supported_parameters == ("temperature", "top_p", "max_tokens")
    assert (model.tee_attested, model.tee_type, model.tee_verifier) == (True, "TDX", "dstack")
    assert (model.provider_type, model.provider_name, model.provider_country) == ("decentralized", "Local Labs", "DE")
    assert model.rate_limits.requests_per_minute == 30 and model.rate_limits.describe() == "30 requests/min"
    assert model.pricing is not None and model.pricing.tiers_source == "/v1/models"
    assert model.pricing.tiers[1] == PriceTier(0, Fraction(3, 2), 2)
    assert model.pricing.cache is not None and model.pricing.cache.divisor == 10
    assert model.expires_at == dt.datetime(2099, 1, 31, 12, tzinfo=dt.UTC) and not model.expired()
    assert model.expiry_note() == "This model expires on 2099-01-31 12:00 UTC."


def test_an_expired_model_says_so():
    model, _ = parse_model(dict(FULL, expiration_date="2020-05-01T10:00:00+02:00"))
    assert model is not None and model.expired()
    assert model.expiry_note() == "This model expired on 2020-05-01 08:00 UTC."


def test_additional_info_tiers_win_and_multi_model_prices_come_from_the_model():
    info = {"tieredPricing": {"tiers": [{"maxInputTokens": 0, "inputMultiplier": 2, "outputMultiplier": 2}]}}
    model, _ = parse_model(FULL, input_price_wei=10**11, output_price_wei=4 * 10**11, additional_info=info)
    assert model is not None and model.pricing is not None and model.pricing.tiers_source == "additionalInfo"
    multi, notes = parse_model(dict(FULL, pricing={"prompt": "5", "completion": "6"}), input_price_wei=10,
                               output_price_wei=10, additional_info={"MultiModel": True})
    assert multi is not None and multi.multi_model and notes == ()
    assert multi.pricing is not None and (multi.pricing.input_price_wei, multi.pricing.output_price_wei) == (5, 6)
    over, notes = parse_model(dict(FULL, pricing={"prompt": "50", "completion": "6"}), input_price_wei=10,
                              output_price_wei=10, additional_info={"MultiModel": True})
    assert any("ceiling" in n for n in notes)


def test_single_model_listed_prices_that_differ_from_the_chain_are_noted():
    _, notes = parse_model(FULL, input_price_wei=1, output_price_wei=1)
    assert any("on-chain prices are what is billed" in n for n in notes)


def test_an_image_service_lists_its_price_per_image_with_token_prices_zero():
    """As 0G's broker writes it: `image` is the on-chain output price, prompt and completion are "0"."""
    obj = {"id": "m", "type": "text-to-image", "pricing": {"prompt": "0", "completion": "0", "image": "500"}}
    model, notes = parse_model(obj, input_price_wei=0, output_price_wei=500)
    assert notes == () and model is not None and model.image_price_wei == 500
    _, notes = parse_model(obj, input_price_wei=0, output_price_wei=700)
    assert any("on-chain prices are what is billed" in n for n in notes)


@pytest.mark.parametrize("obj,words", [
    ("junk", "not an object"), ([], "not an object"), (None, "not an object"), ({}, "no id"), ({"id": 5}, "no id"),
    ({"id": ""}, "no id"),
])
def test_what_is_not_a_model_is_skipped_with_a_note(obj, words):
    model, notes = parse_model(obj)
    assert model is None and len(notes) == 1 and words in notes[0]


@pytest.mark.parametrize("field,value,words", [
    ("context_length", "big", "context_length"), ("context_length", -1, "context_length"),
    ("max_completion_tokens", True, "max_completion_tokens"), ("owned_by", 5, "owned_by is not text"),
    ("expiration_date", "next tuesday", "not a date"), ("expiration_date", 5, "expiration_date is not text"),
    ("provider_type", "mystery", "unknown"), ("pricing", "free", "pricing is not an object"),
    ("pricing", {"prompt": "1", "completion": "1", "tiered_pricing": []}, "tiered pricing"),
    ("pricing", {"prompt": "1", "completion": "1", "cache_token_billing": {"divisor": 0}}, "cache-token"),
    ("rate_limits", {"requests_per_minute": "30"}, "requests_per_minute"),
    ("created", 1.5, "created"),
])
def test_a_bad_field_is_left_out_with_a_note(field, value, words):
    model, notes = parse_model(dict(FULL, **{field: value}), input_price_wei=1, output_price_wei=1)
    assert model is not None, notes
    assert any(words in n for n in notes), notes
    assert model.notes == notes
    assert all(n.endswith(".") for n in notes)


def test_odd_but_harmless_fields():
    model, _ = parse_model({"id": "m", "architecture": "x", "supported_parameters": "all", "default_parameters": [],
                            "tee_attested": "yes", "rate_limits": 5})
    assert model is not None
    assert (model.modality, model.supported_parameters, dict(model.default_parameters), model.tee_attested) == (
        None, (), {}, None)
    assert model.rate_limits.describe() == "no limits published"
    assert model.pricing is not None and model.pricing.input_price_wei == 0  # the service's on-chain prices


def test_standard_and_centralized_providers():
    standard, _ = parse_model(dict(FULL, provider_type="standard"))
    assert standard is not None and not standard.verifiable_type
    central, _ = parse_model(dict(FULL, provider_type="centralized", provider_identity="openai",
                                  serving_domain="api.openai.com"))
    assert central is not None and central.verifiable_type and central.provider_identity == "openai"
    from_info, _ = parse_model({"id": "m"}, additional_info={"ProviderType": "centralized"})
    assert from_info is not None and from_info.provider_type == "centralized"


def test_a_list_skips_the_wildcard_and_keeps_going_past_bad_entries():
    listing = parse_model_list({"object": "list", "data": [FULL, "junk", {"id": "*"}, {"id": "b", "context_length": "x"}]})
    assert [m.id for m in listing.models] == ["local/chat-tiered", "b"] and listing.error is None
    assert len(listing.notes) >= 2 and listing.get("b") is not None and listing.get("*") is None
    for bad in (None, [], {"data": {}}, {"object": "list"}):
        assert parse_model_list(bad).error == "The provider's model list has an unexpected format."



@pytest.fixture
def provider():
    server = FakeProvider()
    yield server
    server.close()


def test_fetch_over_http_never_raises(provider):
    guard = UrlGuard(local=True)
    with httpx.Client() as http:
        provider.routes["GET /v1/models"] = lambda h: send_json(h, 200, {"data": [FULL]})
        listing = fetch_model_list(provider.url, http, guard)
        assert [m.id for m in listing.models] == ["local/chat-tiered"]
        provider.routes["GET /v1/models"] = lambda h: send_json(h, 410, {"error": "model expired at 2020-01-01T00:00:00Z"})
        assert "expired on 2020-01-01 00:00 UTC" in (fetch_model_list(provider.url, http, guard).error or "")
        provider.routes["GET /v1/models"] = Flood(20 * 1024 * 1024)
        assert fetch_model_list(provider.url, http, guard).error == "The provider's model list is unreasonably large."
        provider.routes["GET /v1/models"] = lambda h: (h.send_response(200), h.send_header("Content-Length", "3"),
                                                        h.end_headers(), h.wfile.write(b"{x}"))
        assert fetch_model_list(provider.url, http, guard).error == "The provider's model list is not valid JSON."
        public_only = UrlGuard(local=False)
        assert "private or local" in (fetch_model_list(provider.url, http, public_only).error or "")


def test_rows_for_a_details_panel_carry_units_and_skip_what_is_missing():
    model, _ = parse_model(FULL)
    rows = dict(model.rows())
    assert rows["Context length"] == "262,144 tokens" and rows["Max completion tokens"] == "8,192 tokens"
    assert rows["Owned by"] == "0G Labs" and rows["TEE type"] == "TDX" and rows["Provider country"] == "DE"
    assert rows["Supported parameters"] == "temperature, top_p, max_tokens"
    assert rows["Rate limits"] == "30 requests/min" and rows["Expiry"].startswith("This model expires on 2099-01-31")
    bare, _ = parse_model({"id": "m"})
    assert bare.rows() == [("Provider type", "decentralized")]
