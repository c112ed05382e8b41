"""The marketplace by model: grouping, counts, price ranges, best value, health, multi-model services."""

from __future__ import annotations

from dataclasses import replace

from og_core.market import best_value, offers_of, summarize_models
from og_core.model_info import parse_model_list
from og_core.status import StatusReport, parse_health
from tests.support.fakes import service


def svc(n: int, model: str, inp: int, out: int, *, acknowledged: bool = True, service_type: str = "chatbot",
        info: dict | None = None):
    base = service("http://127.0.0.1:1", info=info, service_type=service_type, acknowledged=acknowledged)
    return replace(base, provider="0x" + f"{n:02x}" * 20, model=model, input_price_wei=inp, output_price_wei=out)


def status_for(*entries: tuple[str, str, str]) -> StatusReport:
    parsed, _notes, _stamp, _error = parse_health({"services": [
        {"provider": p, "model": m, "status": s, "checks": {"uptime": 99}} for p, m, s in entries]})
    return StatusReport(base_url="http://status", entries=parsed)


def test_models_grouped_by_exact_id_most_providers_first():
    services = [svc(1, "local/b", 5, 5), svc(2, "local/a", 3, 9), svc(3, "local/a", 4, 4, acknowledged=False),
                svc(4, "local/A", 1, 1), svc(5, "local/a", 2, 20)]
    summaries = summarize_models(services)
    assert [(s.model, s.provider_count, s.verified_count) for s in summaries] == [
        ("local/a", 3, 2), ("local/b", 1, 1), ("local/A", 1, 1)]  # case-sensitive; ties keep first-seen order
    a = summaries[0]
    assert a.best_value == "0x" + "03" * 20  # 4+4 = 8 < 3+9 = 12 < 2+20
    assert a.price_range_wei() == (2, 4)
    assert a.offer("0x" + "03" * 20) is not None and a.offer("0x" + "99" * 20) is None


def test_best_value_is_strict_so_the_first_of_equals_wins():
    offers = offers_of(svc(1, "m", 5, 5)) + offers_of(svc(2, "m", 4, 6)) + offers_of(svc(3, "m", 9, 9))
    assert best_value(offers).provider == "0x" + "01" * 20
    assert best_value([]) is None


def test_image_services_compare_the_price_per_image():
    summaries = summarize_models([svc(1, "img", 0, 7, service_type="text-to-image"),
                                  svc(2, "img", 10**6, 5, service_type="text-to-image")])
    assert summaries[0].best_value == "0x" + "02" * 20 and summaries[0].price_range_wei() == (5, 7)


def test_health_and_tiers_are_attached_per_offer():
    tiers = {"tieredPricing": {"tiers": [{"maxInputTokens": 100, "inputMultiplier": 1, "outputMultiplier": 1},
                                         {"maxInputTokens": 0, "inputMultiplier": 2, "outputMultiplier": 2}]}}
    services = [svc(1, "m", 5, 5, info=tiers), svc(2, "m", 6, 6)]
    status = status_for(("0x" + "01" * 20, "m", "healthy"), ("0x" + "02" * 20, "m", "critical"))
    summary = summarize_models(services, status)[0]
    assert [o.health.status for o in summary.offers] == ["healthy", "critical"]
    assert summary.healthy_count == 1 and summary.tiered
    assert summary.offers[0].pricing.tiers_source == "additionalInfo"
    assert [o.health.status for o in summarize_models(services)[0].offers] == ["unknown", "unknown"]


def test_a_multi_model_service_offers_each_listed_model_at_its_own_price():
    multi = svc(7, "default-model", 100, 100, info={"MultiModel": True, "ProviderType": "centralized"})
    listing = parse_model_list({"data": [
        {"id": "x/one", "pricing": {"prompt": "10", "completion": "20"}},
        {"id": "x/two", "pricing": {"prompt": "30", "completion": "40"}}]},
        input_price_wei=100, output_price_wei=100, additional_info=multi.additional_info)
    summaries = summarize_models([multi, svc(8, "x/two", 1, 1)], model_lists={multi.provider.upper(): listing})
    by_model = {s.model: s for s in summaries}
    assert set(by_model) == {"x/one", "x/two"}
    assert by_model["x/two"].provider_count == 2 and by_model["x/two"].best_value == "0x" + "08" * 20
    one = by_model["x/one"].offers[0]
    assert (one.pricing.input_price_wei, one.pricing.output_price_wei, one.info.id) == (10, 20, "x/one")
    # without its model list, it offers its on-chain default model at the on-chain (ceiling) price
    assert [(o.model, o.price_wei) for o in offers_of(multi)] == [("default-model", 200)]


def test_a_service_with_broken_additional_info_still_has_an_offer():
    broken = replace(svc(1, "m", 5, 5), additional_info=None, additional_info_raw="{x")
    assert [o.price_wei for o in offers_of(broken)] == [10]


def test_model_objects_relayed_by_the_status_service_are_used():
    from og_core.status import parse_models

    multi = svc(7, "default-model", 100, 100, info={"MultiModel": True})
    plain = svc(8, "x/two", 1, 1)
    grouped, _ = parse_models({"data": [
        {"provider": multi.provider.lower(), "id": "x/one", "pricing": {"prompt": "10", "completion": "20"}},
        {"provider": plain.provider, "id": "x/two", "context_length": 4096}]})
    status = StatusReport(base_url="http://status", models=grouped)
    by_model = {s.model: s for s in summarize_models([multi, plain], status)}
    assert set(by_model) == {"x/one", "x/two"}
    assert by_model["x/one"].offers[0].price_wei == 30
    assert by_model["x/two"].offers[0].info.context_length == 4096



def test_a_thousand_services_with_health_are_grouped():
    from og_core.status import parse_models

    services = [replace(svc(0, f"m/{i % 120}", 10**9 + i, 2 * 10**9), provider="0x%040x" % (i + 1))
                for i in range(1000)]
    status = status_for(*((s.provider.lower(), s.model, "healthy") for s in services))
    grouped, _ = parse_models({"data": [{"provider": s.provider, "id": s.model} for s in services]})
    summaries = summarize_models(services, replace(status, models=grouped))
    assert len(summaries) == 120 and all(o.health.status == "healthy" for s in summaries for o in s.offers)
