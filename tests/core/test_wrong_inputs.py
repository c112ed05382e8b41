"""Wrong values handed to og_core's API — a 63-digit key, "1__0", a token id "1", advance_time("abc"),
format_og(places=40) — are refused as OgErrors in words, before anything is signed or sent."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from eth_account import Account

from og_core import AmountError, ApiKeys, ConfigError, OgError, RuleError, format_og, parse_og, wei_to_og
from og_core.auth import SessionAuth, token_id_value
from og_core.context import _account
from og_core.local_tools import LocalTools

KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"


@pytest.mark.parametrize("key", [KEY[:63], "0x" + KEY[:63], KEY + "0", KEY[:62] + "zz", "0x", "12 34"])
def test_a_private_key_that_is_not_64_hex_digits_is_refused(key):
    """eth_account pads 63 digits with a zero: a typo would silently open some other wallet."""
    with pytest.raises(ConfigError, match="not valid") as info:
        _account(key)
    assert "64 hex" in info.value.hint and KEY[:20] not in str(info.value) + info.value.detail


def test_a_64_digit_key_with_or_without_0x_is_accepted():
    assert _account(KEY).address == _account("0x" + KEY).address == _account(" 0X" + KEY.upper() + " ").address


@pytest.mark.parametrize("text", ["1__0", "_1", "1_", "1_.5", "1._5", "1e_3", "__"])
def test_underscores_only_between_digits(text):
    with pytest.raises(AmountError, match="underscore"):
        parse_og(text)


def test_python_style_digit_groups_still_parse():
    assert parse_og("1_000") == 1000 * 10**18 and parse_og("0.000_5") == 5 * 10**14


@pytest.mark.parametrize("places", [40, 19, -1, "6", 1.5, None, True])
def test_format_og_refuses_places_it_cannot_show(places):
    with pytest.raises(AmountError, match="decimals"):
        format_og(10**18, places=places)


@pytest.mark.parametrize("wei", ["abc", "1000", 1.5, None, Decimal("1.5"), Decimal("NaN")])
def test_format_og_and_wei_to_og_take_whole_wei_only(wei):
    with pytest.raises(AmountError, match="whole number"):
        format_og(wei)
    with pytest.raises(AmountError, match="whole number"):
        wei_to_og(wei)


def test_format_og_keeps_taking_ints_and_integral_decimals():
    assert format_og(10**18, places=18) == "1 OG" and format_og(Decimal(5 * 10**17), places=0) == "< 1 OG"
    assert format_og(Decimal(25 * 10**17)) == "2.5 OG"


@pytest.mark.parametrize("token_id", ["1", 1.5, None, True, -1, 255])
def test_an_api_key_id_must_be_a_whole_number_from_0_to_254(token_id):
    with pytest.raises(RuleError, match="API key id"):
        token_id_value(token_id)


@pytest.mark.parametrize("token_id", ["1", 1.5, True])
def test_create_api_key_refuses_a_wrong_token_id_before_reading_the_chain(token_id):
    contract = mock.Mock()
    auth = SessionAuth(Account.create(), contract, chain_id=1)
    with pytest.raises(RuleError, match="API key id"):
        auth.create_api_key("0x" + "ab" * 20, token_id=token_id, expires_in_s=60)
    with pytest.raises(RuleError, match="whole number of seconds"):
        auth.create_api_key("0x" + "ab" * 20, token_id=1, expires_in_s="60")
    contract.functions.getAccount.assert_not_called()


@pytest.mark.parametrize("token_id", ["1", 1.5, None])
def test_plan_revoke_refuses_a_wrong_token_id(token_id):
    tx = mock.Mock()
    keys = ApiKeys(mock.Mock(), tx)
    with pytest.raises(RuleError, match="API key id"):
        keys.plan_revoke("0x" + "ab" * 20, token_id)
    tx.plan_revoke_token.assert_not_called()


@pytest.mark.parametrize("seconds", ["abc", 1.5, None, True, "", "-5", 0, -3, 10**12])
def test_advance_time_refuses_what_is_not_a_number_of_seconds(seconds):
    web3 = mock.Mock()
    with pytest.raises(OgError) as info:
        LocalTools(web3).advance_time(seconds)
    assert info.value.hint
    web3.provider.make_request.assert_not_called()


def test_advance_time_takes_seconds_as_a_number_or_digits():
    web3 = mock.Mock()
    web3.provider.make_request.return_value = {"result": None}
    web3.eth.get_block.return_value = {"timestamp": 7200}
    assert LocalTools(web3).advance_time("3600") == 7200
    assert web3.provider.make_request.call_args_list[0].args == ("evm_increaseTime", [3600])
