"""Providers that are down, slow, malformed or lying — registered on a real local chain, funded with
real transactions and called with og_core's real session tokens. Only the provider's HTTP server is
ours: a misbehaving provider is, by nature, somebody else's server.

This module starts its own local network because it registers extra services (the shared one's
service list stays as the other tests expect it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from og_core import OgClient, ProviderError, ProviderUnreachable, RpcError, Settings, VerificationStatus
from og_devnet.launch import DevnetHandle, start_devnet
from tests.support.devnet import ONE_OG, new_funded_account, rpc
from tests.support.rogue import LONG_ERROR, MODEL, PRICE, RogueNet, rogue_network

pytestmark = pytest.mark.devnet  # starts a network of its own (with a misbehaving provider)

FILLERS = 56  # with the 5 built-in, the rogue, the down and the malformed one: more than a page of 50


@pytest.fixture(scope="module")
def net() -> Iterator[RogueNet]:
    yield from rogue_network(fillers=FILLERS, malformed=True, hostile=True)


def _client(handle: DevnetHandle, key: str | None = None, timeout: float = 10.0) -> OgClient:
    return OgClient("local", private_key=key, settings=Settings(), rpc_url=handle.rpc_url,
                    addresses=handle.info["addresses"], http_timeout_s=timeout)


@pytest.fixture(scope="module")
def wallet(net) -> Iterator[OgClient]:
    handle = net.handle
    acct = new_funded_account(handle, og=100)
    client = _client(handle, acct.key.to_0x_hex())
    client.execute(client.plan_deposit("20"))
    for provider in (net.rogue.address, net.down):
        client.execute(client.plan_fund_provider(provider, "3"))
    yield client
    client.close()


ASK = [{"role": "user", "content": "What is 6 * 7?"}]


def test_discover_with_hostile_services_registered_gives_each_a_note(net, wallet):
    """A gzip bomb, a control character, a broken IPv6 literal, port 99999 and the metadata address
    registered on-chain: the probed list still comes back, in bounded time and memory, each with a note
    (was an httpx.InvalidURL traceback for everyone, and 2 GB for the bomb), and every call on them is
    an OgError in words — chat, the funding gate's readiness check, attestation."""
    from og_core import OgError
    from tests.support.fakes import gzip_bomb, peak_rss_growth_mb

    gzip_bomb()  # built before the memory is measured
    hostile = net.hostile
    with _client(net.handle) as c:
        started = time.monotonic()
        grown, listed = peak_rss_growth_mb(lambda: c.services(refresh=True, probe=True))
        assert not isinstance(listed, BaseException), listed
        assert time.monotonic() - started < 30 and grown < 150, (time.monotonic() - started, grown)
    services = {s.provider: s for s in listed}
    notes = {what: services[address].health.error for what, address in hostile.items()}
    assert not any(services[address].health.reachable for address in hostile.values())
    assert "control characters" in notes["control-characters"]
    assert "not a valid address" in notes["broken-ipv6"] and "1 to 65535" in notes["port-99999"]
    assert "outside this computer" in notes["metadata-address"]
    assert "compressed in a way this app does not read" in notes["gzip-bomb"]
    for what in ("control-characters", "broken-ipv6", "port-99999"):
        assert services[hostile[what]].url_error == notes[what]
    for what, address in hostile.items():
        with pytest.raises(OgError) as info:
            wallet.chat(address, ASK)
        assert info.value.message and info.value.hint, what
        readiness = wallet.provider_readiness(address)  # the funding gate: a reason, never a ValueError
        assert readiness.reason and not readiness.ready, what
        assert wallet.verify_provider(address).status is VerificationStatus.UNAVAILABLE, what


def test_a_gzip_bomb_from_the_rogue_costs_no_memory(net, wallet):
    from tests.support.fakes import gzip_bomb, peak_rss_growth_mb

    gzip_bomb()
    net.rogue.mode = "gzip-bomb"
    try:
        grown, outcome = peak_rss_growth_mb(lambda: wallet.chat(net.rogue.address, ASK))
        assert isinstance(outcome, ProviderError) and "compressed" in outcome.message, outcome
        grown_stream, result = peak_rss_growth_mb(lambda: wallet.chat_stream(net.rogue.address, ASK).result)
        assert result.cut and "compressed" in result.cut_reason
    finally:
        net.rogue.mode = "ok"
    assert grown < 150 and grown_stream < 150, (grown, grown_stream)


def test_discovery_pages_past_50_and_survives_a_malformed_provider(net):
    with _client(net.handle) as c:
        services = {s.provider: s for s in c.services(refresh=True)}
        total = len(net.handle.providers) + 3 + FILLERS + len(net.hostile)
        assert len(services) == total > 50
        assert set(net.extra) <= set(services)
        bad = services[net.extra[0]]
        assert bad.additional_info is None and bad.additional_info_error
        assert not bad.verifiable  # additionalInfo must be valid JSON to count as verifiable
        assert services[net.rogue.address].verifiable


def test_a_healthy_rogue_answer_verifies(net, wallet):
    rogue = net.rogue
    rogue.mode = "ok"
    r = wallet.chat(rogue.address, ASK)
    assert r.text == "42" and r.usage.total_tokens == 9 and r.cost_wei == 9 * PRICE
    assert rogue.tokens[-1]["address"] == wallet.address  # a real session token, signed by the wallet
    assert wallet.verify(r).status is VerificationStatus.VERIFIED
    stream = wallet.chat_stream(rogue.address, ASK)
    assert "".join(stream) == "42" and not stream.result.cut
    assert wallet.verify(stream.result).status is VerificationStatus.VERIFIED


@pytest.mark.parametrize("mode", ["wrong-signer", "tampered"])
def test_a_lying_provider_is_caught(net, wallet, mode):
    rogue = net.rogue
    rogue.mode = mode
    r = wallet.chat(rogue.address, ASK)
    v = wallet.verify(r)
    assert v.status is VerificationStatus.INVALID, v
    assert v.expected_signer == rogue.tee.address


@pytest.mark.parametrize("mode", ["garbage", "no-choices"])
def test_malformed_answers_are_refused_in_words(net, wallet, mode):
    net.rogue.mode = mode
    with pytest.raises(ProviderError) as info:
        wallet.chat(net.rogue.address, ASK)
    address = net.rogue.address
    assert info.value.kind == "garbage" and f"{MODEL} at {address[:6]}…{address[-4:]}" in info.value.message


def test_a_long_provider_explanation_is_shown_whole_and_names_the_model(net, wallet):
    net.rogue.mode = "long-error"
    with pytest.raises(ProviderError) as info:
        wallet.chat(net.rogue.address, ASK)
    err, address = info.value, net.rogue.address
    assert len(LONG_ERROR) > 300 and err.kind == "bad_request" and err.status == 400
    assert err.message == f"The provider {MODEL} at {address[:6]}…{address[-4:]} refused the request: {LONG_ERROR}"
    assert address in err.detail  # the full address stays available under "Technical details"


def test_garbage_instead_of_a_stream_is_an_error_not_an_empty_answer(net, wallet):
    net.rogue.mode = "garbage"
    stream = wallet.chat_stream(net.rogue.address, ASK)
    with pytest.raises(ProviderError) as info:
        list(stream)
    assert info.value.kind == "garbage" and "not a stream" in info.value.message


def test_one_json_completion_instead_of_a_stream_is_still_an_answer(net, wallet):
    net.rogue.mode = "json-for-stream"
    stream = wallet.chat_stream(net.rogue.address, ASK)
    assert "".join(stream) == "42"
    r = stream.result
    assert not r.cut and r.usage.total_tokens == 9 and r.chat_id
    assert wallet.verify(r).status is VerificationStatus.VERIFIED


def test_a_cut_stream_keeps_what_arrived(net, wallet):
    net.rogue.mode = "cut"
    stream = wallet.chat_stream(net.rogue.address, ASK)
    assert "".join(stream) == "4"
    assert stream.result.cut and stream.result.cut_reason and stream.result.text == "4"


def test_a_slow_provider_times_out_in_words(net, wallet):
    net.rogue.mode = "slow"
    key = wallet._s.account.key.to_0x_hex()
    with _client(net.handle, key, timeout=1.0) as impatient:
        started = time.monotonic()
        with pytest.raises(ProviderUnreachable) as info:
            impatient.chat(net.rogue.address, ASK)
        assert time.monotonic() - started < 2.9  # gave up before the provider answered
    assert info.value.kind == "timeout" and "did not answer in time" in info.value.message


def test_a_provider_that_is_down(net, wallet):
    down = net.down
    with pytest.raises(ProviderUnreachable) as info:
        wallet.chat(down, ASK)
    assert info.value.kind == "unreachable" and info.value.hint
    v = wallet.verify(provider=down, chat_id="anything")
    assert v.status is VerificationStatus.UNAVAILABLE
    health = wallet.probe(down)
    assert not health.reachable and health.error


def test_no_funds_moved_by_any_of_it(net, wallet):
    """Failures above sent nothing: the only transactions are the fixture's deposit and two fundings."""
    view = wallet.ledger()
    assert view.total_wei == 20 * ONE_OG and view.available_wei == 14 * ONE_OG
    assert len(wallet.history()) == 3


def test_the_rpc_going_down_mid_session_is_said_plainly():
    handle = start_devnet(port=0, settle_interval=3600)
    acct = new_funded_account(handle, og=50)
    client = _client(handle, acct.key.to_0x_hex())
    try:
        client.execute(client.plan_deposit("5"))
        assert rpc(handle, "eth_chainId")
    finally:
        handle.stop()
    said = []
    for call in (client.ledger, lambda: client.plan_deposit("1"), lambda: client.services(refresh=True)):
        with pytest.raises(RpcError) as info:
            call()
        assert info.value.hint
        said.append(info.value.message)
    assert all("chain" in m and "could not be" in m for m in said), said
    assert len(client.history()) == 1  # the deposit; nothing was sent or recorded after the outage
    client.close()
