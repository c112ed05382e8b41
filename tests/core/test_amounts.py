from decimal import Decimal

import pytest

from og_core import AmountError, OgError, format_og, parse_og, wei_to_og


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
