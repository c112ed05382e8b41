"""The small facts og_core states once: network names, short addresses, UTC times, wei per OG."""

import datetime as dt

import pytest

from og_core import (
    WEI_PER_OG,
    ConfigError,
    Network,
    OgClient,
    Settings,
    format_utc,
    parse_og,
    short_address,
    wei_to_og,
)
from og_core.display import parse_utc

ADDRESS = "0x1234567890abcdef1234567890ABCDEF12345678"


def test_network_names_compare_as_text():
    assert list(Network) == ["local", "testnet", "mainnet"]
    assert Network.parse(" Testnet ") is Network.TESTNET and Network.parse(None) is Network.LOCAL
    assert Network.parse("devnet") is None
    assert Network.listed() == "local, testnet or mainnet"
    assert f"ui_tab_key_{Network.MAINNET}" == "ui_tab_key_mainnet"  # session keys and URLs keep plain names


def test_unknown_network_is_refused_in_words(monkeypatch, tmp_path):
    monkeypatch.setenv("OG_NETWORK", "Devnet")
    with pytest.raises(ConfigError) as info:
        Settings.from_env(tmp_path / "none.env")
    assert "“devnet”" in info.value.message and info.value.hint == "Set OG_NETWORK to local, testnet or mainnet."
    monkeypatch.setenv("OG_NETWORK", "MAINNET")
    assert Settings.from_env(tmp_path / "none.env").network is Network.MAINNET
    with pytest.raises(ConfigError) as info:
        OgClient("moon", settings=Settings())
    assert info.value.message == "“moon” is not a known network." and "local, testnet or mainnet" in info.value.hint


def test_short_address():
    assert short_address(ADDRESS) == "0x1234…5678"
    assert short_address(None) == "—" and short_address("") == "—"


def test_format_utc():
    assert format_utc(0) == "1970-01-01 00:00 UTC"
    assert format_utc(1_796_000_000.9) == "2026-11-30 00:53 UTC"  # seconds are cut, never rounded up
    assert format_utc(2**70) == f"unix time {2**70}"  # a contract's absurd value is still words, not a crash
    assert format_utc(dt.datetime(2026, 1, 31, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))) == \
        "2026-01-31 12:00 UTC"
    assert format_utc(dt.datetime(2026, 1, 31, 12, 0)) == "2026-01-31 12:00 UTC"  # no zone: UTC


def test_parse_utc():
    assert parse_utc("2026-01-31T12:00:00Z") == dt.datetime(2026, 1, 31, 12, tzinfo=dt.UTC)
    assert parse_utc("2026-01-31T14:00:00+02:00") == dt.datetime(2026, 1, 31, 12, tzinfo=dt.UTC)
    assert parse_utc("2026-01-31") == dt.datetime(2026, 1, 31, tzinfo=dt.UTC)
    assert parse_utc("soon") is None


def test_wei_per_og():
    assert WEI_PER_OG == 10**18 == parse_og("1") and wei_to_og(WEI_PER_OG) == 1
