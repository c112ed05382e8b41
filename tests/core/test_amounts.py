from decimal import Decimal

import pytest

from og_core import AmountError, OgError, format_balance, format_exact, format_og, parse_og, wei_to_og


@pytest.mark.parametrize("text,wei", [("1", 10**18), ("0.5", 5 * 10**17), ("1e-18", 1), (" 2 ", 2 * 10**18),
                                      ("1_000", 1000 * 10**18), (3, 3 * 10**18), (Decimal("0.25"), 25 * 10**16)])
def test_parse_valid(text, wei):
    assert parse_og(text) == wei


@pytest.mark.parametrize("text,words", [("", "empty"), ("abc", "not a number"), ("nan", "finite"),
                                        ("inf", "finite"), ("-1", "more than 0"), ("0", "more than 0"),
                                        ("1e-19", "18 decimals"), ("0.0000000000000000001", "18 decimals"),
                                        (1.5, "float"), ("1e80", "larger")])
def test_parse_invalid_says_why(text, words):
    with pytest.raises(AmountError) as info:
        parse_og(text)
    assert words in info.value.message
    assert isinstance(info.value, OgError) and isinstance(info.value, ValueError)
    assert info.value.hint


def test_zero_allowed_when_asked():
    assert parse_og("0", allow_zero=True) == 0


def test_format():
    assert format_og(0) == "0 OG"
    assert format_og(25 * 10**17) == "2.5 OG"
    assert format_og(10**12) == "0.000001 OG"
    assert format_og(1) == "< 0.000001 OG"
    assert format_og(1234 * 10**18, unit=False) == "1,234"
    assert wei_to_og(1) == Decimal("1E-18")


@pytest.mark.parametrize("wei,shown", [
    (1_999_781_834_000_000_000, "1.9997 OG"),  # cut: the refund of all of it must not read 1.999782 OG
    (1_999_990_000_000_000_000, "1.9999 OG"),  # never rounded up to 2 OG
    (9_989_999_300_000_000_000_000, "9,989.9993 OG"), (5 * 10**18, "5 OG"), (0, "0 OG"),
    (10**13, "< 0.0001 OG")])
def test_one_balance_format(wei, shown):
    assert format_balance(wei) == shown
    assert format_exact(1_999_781_834_000_000_001) == "1.999781834000000001 OG"


@pytest.mark.parametrize("text,wei", [
    ("123456789012.123456789012345678", 123456789012123456789012345678),  # 30 digits: beyond Decimal's 28
    ("10000000000000000000000000000.5", 10000000000000000000000000000 * 10**18 + 5 * 10**17),
    ("1.50", 15 * 10**17), ("0.000000000000000001000", 1), (".5", 5 * 10**17), ("+2", 2 * 10**18),
    ("2e-18", 2), (Decimal("1.5E+3"), 1500 * 10**18)])
def test_parse_is_exact(text, wei):
    assert parse_og(text) == wei


@pytest.mark.parametrize("text,words", [
    ("1e1000000", "larger"), (Decimal("1E+1000000"), "larger"), ("1e-1000000", "18 decimals"),
    ("١٢", "not a number"), ("２", "not a number"), pytest.param("1" * 500, "characters long", id="500-digits"), (".", "not a number"),
    ("1e", "not a number"), ("-0.5", "more than 0"), ("Infinity", "finite"), pytest.param(str(2**256 // 10**18 + 1), "larger", id="2**256-wei")])
def test_extreme_or_foreign_input_is_refused_in_words(text, words):
    with pytest.raises(AmountError) as info:
        parse_og(text)
    assert words in info.value.message and info.value.hint


def test_zero_with_any_exponent_is_zero():
    assert parse_og("0e99999", allow_zero=True) == 0


def test_display_of_huge_amounts_is_exact():
    wei = 123456789012123456789012345678
    assert wei_to_og(wei) == Decimal("123456789012.123456789012345678")
    assert format_og(2**256 - 1).endswith("039,457.584008 OG")


def test_balances_round_down_never_up():
    wei = 9_989_999_300_000_000_000_000  # 9,989.9993 OG
    assert format_og(wei, 2) == "9,990 OG"  # rounding (prices, amounts to pay) is unchanged
    assert format_og(wei, 2, round_down=True) == "9,989.99 OG"
    assert format_og(wei, 4, round_down=True) == "9,989.9993 OG"
    assert format_og(3 * 10**18 - 1, 4, round_down=True) == "2.9999 OG"
    assert format_og(3 * 10**18, 4, round_down=True) == "3 OG"
    assert format_og(5 * 10**13, 4, round_down=True) == "< 0.0001 OG"
    assert format_og(2**256 - 1, 2, round_down=True).endswith("039,457.58 OG")



@pytest.mark.parametrize("text,wei", [
    ("1,000", 1000 * 10**18), ("1,000.5", 10005 * 10**17), ("12,345,678.9", 123456789 * 10**17),
    (" 999,999 ", 999999 * 10**18), ("+1,000", 1000 * 10**18), ("1,000.000000000000000001", 1000 * 10**18 + 1),
    ("1,000.", 1000 * 10**18)])
def test_thousands_separators_in_the_standard_form_are_accepted(text, wei):
    assert parse_og(text) == wei


@pytest.mark.parametrize("text", ["1,00", "1,0000", "1.000,5", "1,5", ",5", "1,", "1,,000", "1000,000", "1,000,00",
                                  "1,000e3", "0.1,000", "1_000,000", "12,34,567", "0,500", "01,000", "0,000"])
def test_ambiguous_commas_are_refused_with_a_specific_message(text):
    with pytest.raises(AmountError) as info:
        parse_og(text)
    assert "comma" in info.value.message and "thousands separator" in info.value.message
    assert "1,000.5" in info.value.hint


def test_grouped_amounts_keep_the_exactness_rules():
    with pytest.raises(AmountError) as info:
        parse_og("1,000.0000000000000000001")
    assert "18 decimals" in info.value.message
    with pytest.raises(AmountError) as info:
        parse_og("-1,000")
    assert "more than 0" in info.value.message
