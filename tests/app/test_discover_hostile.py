"""Discover with hostile services registered on-chain (tests/support/rogue.py, HOSTILE_URLS and a gzip
bomb): the page renders for every user, each such service has a plain note saying why it can't be used
and shows as down, its details, "Use in chat" and the Fund popover answer in words, and the bomb's probe
costs the app bounded memory. Issue 8 acceptance ("Discover with a bomb or a control-character URL
registered renders for every user with a note on that service")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.app import Wallet, check, run_app, texts
from tests.support.rogue import RogueNet, rogue_network

pytestmark = pytest.mark.devnet  # starts a network of its own (with the hostile services)

# what each hostile service's note says (og_core's words, see tests/core/test_misbehaving_providers.py)
NOTES = {
    "control-characters": "control characters",
    "broken-ipv6": "not a valid address",
    "port-99999": "1 to 65535",
    "metadata-address": "outside this computer",
    "gzip-bomb": "compressed in a way this app does not read",
}


# services whose on-chain URL no transport can use (og_core's ServiceInfo.url_error)
URL_UNUSABLE = {"control-characters", "broken-ipv6", "port-99999"}


@pytest.fixture(scope="module")
def net() -> Iterator[RogueNet]:
    yield from rogue_network(hostile=True)


@pytest.fixture
def wallet(net, monkeypatch, tmp_path) -> Wallet:
    monkeypatch.setenv("OG_RPC_URL", net.handle.rpc_url)
    monkeypatch.setenv("OG_NETWORK", "local")
    monkeypatch.delenv("PRIVATE_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    return Wallet(net.handle)


def _rows(at: AppTest) -> dict[str, dict]:
    return {row["model"]: row for row in at.dataframe[0].value.to_dict("records")}


def _details(at: AppTest, address: str) -> str:
    at.session_state["disc_selected"] = address  # AppTest cannot click dataframe rows
    check(at.run())
    shown = "\n".join(texts(at.subheader) + texts(at.markdown) + texts(at.caption) + texts(at.code)
                      + texts(at.warning))
    return shown.replace("\\", "").replace("\u2060", "")  # inert text's escapes, read as a user sees it


def _warned(at: AppTest, note: str) -> bool:
    """A warning on the page saying the service can't be used, and why (`note`)."""
    warnings = [w.replace("\\", "").replace("\u2060", "") for w in texts(at.warning)]
    return any(w.startswith("This service can't be used:") and note in w for w in warnings)


def test_discover_lists_every_hostile_service_with_a_note_for_two_users(net, wallet):
    from tests.support.fakes import gzip_bomb, peak_rss_growth_mb

    gzip_bomb()  # built before the memory is measured
    first_run = lambda: run_app("discover", wallet.key)  # noqa: E731 — the first probe of the bomb
    grown, first = peak_rss_growth_mb(first_run)
    assert not isinstance(first, BaseException), first
    assert grown < 150, f"the app grew {grown:.0f} MB while Discover probed the bomb"
    second = run_app("discover", Wallet(net.handle).key)  # another user, another session
    for at in (first, second):
        check(at)
        rows = _rows(at)
        for what in NOTES:
            row = rows[f"hostile/{what}"]
            assert row["health"] == "down", (what, row)
        for what, address in net.hostile.items():
            shown = _details(at, address)
            assert f"hostile/{what}" in shown, what
            assert NOTES[what] in shown, (what, shown)
            assert address in texts(at.code)
            if what in URL_UNUSABLE:  # by the actions too, not only in the health line
                assert _warned(at, NOTES[what]), (what, texts(at.warning))


@pytest.mark.parametrize("what", list(NOTES))
def test_use_in_chat_and_fund_on_a_hostile_service_answer_in_words(net, wallet, what):
    address = net.hostile[what]
    wallet.fund()  # a ledger, so Chat's funding gate gets as far as the provider itself
    at = run_app("discover", wallet.key)
    _details(at, address)
    at.text_input(key="disc_fund_amount").set_value("2")
    at.button(key="disc_fund_btn").click()
    check(at.run())
    # either a confirmation dialog for a plain on-chain transfer, or a refusal in words
    assert "tx_confirm" in at.session_state or at.error, what
    at = run_app("discover", wallet.key)
    _details(at, address)
    at.button(key="disc_use").click()
    check(at.run())
    assert at.title[0].value == "Chat"
    shown = "\n".join(texts(at.error) + texts(at.warning) + texts(at.info) + texts(at.caption))
    shown = shown.replace("\\", "").replace("\u2060", "")
    if what in URL_UNUSABLE:  # said on Chat before anyone funds or asks it (was only "not funded yet")
        assert _warned(at, NOTES[what]), (what, shown)
    else:  # a URL that parses: Chat's usual words (the request itself is refused in words, see core tests)
        assert shown, what
