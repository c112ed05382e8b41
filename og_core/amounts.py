"""Amounts typed by people → wei, and wei → OG for display. Decimal only, never float.

Results keep amounts in wei (int) and expose them in OG (Decimal) through `OgAmount` properties, so a
page never has to know about 10**18.
"""

from __future__ import annotations

import numbers
import re
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Context, Decimal, localcontext

from og_core.errors import AmountInputError

WEI_PER_OG = 10**18
MAX_DECIMALS = 18
MAX_WEI_DIGITS = 78  # 2**256 has 78 digits: anything longer cannot exist on chain
MAX_CHARS = 200  # longer text is never a real amount (and would make int() slow)

# ASCII digits only: str.isdigit()/Decimal() also take Arabic-Indic and other scripts' digits.
_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")
_NOT_FINITE = {"nan", "snan", "inf", "infinity"}
# Thousands separators in the standard form only: 1,000 / 12,345,678.9. "1,00", "1,0000", "1.000,5"
# or "0,500" could be a decimal comma (0.5, not 500), so they are refused, never guessed.
_GROUPED = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_COMMA_HINT = "Use commas only between groups of three digits and a point for decimals, e.g. 1,000.5 or 1000.5."

_UNDERSCORE = re.compile(r"(?<![0-9])_|_(?![0-9])")
_HINT = "Enter an amount in OG, e.g. 2 or 0.5."
AmountError = AmountInputError  # an OgError and a ValueError; `.message` says why in plain words


def parse_og(value: str | int | Decimal, *, field: str = "Amount", allow_zero: bool = False) -> int:
    """Parse an OG amount ("2", "0.5", "1e-3", "1,000.5") into wei, exactly or not at all.

    Rules: a finite decimal number in ASCII digits, > 0 (or ≥ 0 with allow_zero), at most 18
    decimals. Done in integer arithmetic, so no precision context can round it. Floats are refused:
    they cannot represent most decimal amounts exactly.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise AmountError(f"{field} must be written as text or a whole number, not a float.", _HINT)
    text = str(value).strip()
    if "_" in text:  # Python's digit grouping (1_000), nothing looser: "1__0" or "_1" is a typo, not 10
        if _UNDERSCORE.search(text):
            raise AmountError(f"{field} “{text[:40]}” has an underscore that is not between two digits.", _HINT)
        text = text.replace("_", "")
    if text == "":
        raise AmountError(f"{field} is empty.", _HINT)
    if text.lstrip("+-").lower() in _NOT_FINITE:
        raise AmountError(f"{field} must be a finite number of OG.", _HINT)
    if len(text) > MAX_CHARS:
        raise AmountError(f"{field} is {len(text)} characters long; that is not an amount of OG.", _HINT)
    if "," in text:
        if _GROUPED.fullmatch(text) is None:
            raise AmountError(f"{field} “{text[:40]}” has a comma that is not a thousands separator.", _COMMA_HINT)
        text = text.replace(",", "")
    match = _NUMBER.fullmatch(text)
    if match is None or not (match.group(2) or match.group(3)):
        raise AmountError(f"{field} “{text[:40]}” is not a number.", _HINT)
    sign, whole, fraction, exponent = match.group(1), match.group(2), match.group(3) or "", match.group(4)
    mantissa = int(whole + fraction or "0")
    scale = int(exponent or "0") - len(fraction)  # value = mantissa × 10**scale
    if mantissa == 0:
        if allow_zero:
            return 0
        raise AmountError(f"{field} must be more than 0 OG.", _HINT)
    if sign == "-":
        raise AmountError(f"{field} must be more than 0 OG.", _HINT)
    return _to_wei(mantissa, scale, field)


def _to_wei(mantissa: int, scale: int, field: str) -> int:
    while mantissa % 10 == 0:  # 1.50 has 1 decimal, not 2
        mantissa //= 10
        scale += 1
    shift = scale + MAX_DECIMALS  # wei = mantissa × 10**shift
    if shift < 0:
        raise AmountError(f"{field} has more than {MAX_DECIMALS} decimals; 1 neuron (10⁻¹⁸ OG) is the smallest unit.",
                          _HINT)
    if len(str(mantissa)) + shift > MAX_WEI_DIGITS or mantissa * 10**shift >= 2**256:
        raise AmountError(f"{field} is larger than any OG amount that can exist.", _HINT)
    return mantissa * 10**shift


def _whole_wei(wei: object) -> int:
    """`wei` as an int; anything else (text, a float, None) is refused in words."""
    if isinstance(wei, bool) or not isinstance(wei, numbers.Integral):
        if isinstance(wei, Decimal) and wei.is_finite() and wei == wei.to_integral_value():
            return int(wei)
        raise AmountError(f"An amount in wei must be a whole number, not {type(wei).__name__}.",
                          "Pass wei as an int; parse typed amounts with parse_og.")
    return int(wei)


def _exact(wei: int) -> Context:
    """A context with room for every digit of `wei` in OG, so nothing is rounded silently."""
    return Context(prec=len(str(abs(int(wei)))) + MAX_DECIMALS + 2)


def wei_to_og(wei: int) -> Decimal:
    """Exact OG value of an amount in wei."""
    wei = _whole_wei(wei)
    return Decimal(wei).scaleb(-MAX_DECIMALS, context=_exact(wei))


def format_og(wei: int, places: int = 6, *, unit: bool = True, round_down: bool = False) -> str:
    """Human text for an amount in wei: '2.5 OG', '0.000001 OG', '< 0.000001 OG'.

    Trailing zeros are dropped; amounts too small for `places` decimals are shown as '< …'.
    round_down=True cuts the extra decimals instead of rounding (9,989.9993 → 9,989.99 at 2 places):
    use it for balances, which must never look larger than they are.
    """
    if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= MAX_DECIMALS:
        raise AmountError(f"An amount can be shown with 0 to {MAX_DECIMALS} decimals, not {str(places)[:20]}.",
                          "Pass places as a whole number from 0 to 18.")
    wei = _whole_wei(wei)
    og = wei_to_og(wei)
    suffix = " OG" if unit else ""
    if og == 0:
        return f"0{suffix}"
    quantum = Decimal(1).scaleb(-places)
    if 0 < abs(og) < quantum:
        return f"{'-' if og < 0 else ''}< {quantum:f}{suffix}"
    with localcontext(_exact(wei)):  # the default 28 digits cannot hold 2**256 wei to 6 places
        text = f"{og.quantize(quantum, rounding=ROUND_FLOOR if round_down else ROUND_HALF_EVEN):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}{suffix}"


BALANCE_PLACES = 4  # every balance on every page: the same digits for the same wei


def format_balance(wei: int) -> str:
    """A balance (or an amount derived from one: a refund of everything, what is left) as the app shows
    it everywhere: at most BALANCE_PLACES decimals, cut, never rounded up, so the sidebar, the Wallet
    cards and table, the plans and the funding boxes agree digit for digit ('1.9997 OG' for
    1.999781… OG); `format_exact` gives every digit on demand."""
    return format_og(wei, BALANCE_PLACES, round_down=True)


def format_exact(wei: int) -> str:
    """Every digit of an amount: '1.999781834 OG' (at most 18 decimals, trailing zeros dropped)."""
    return format_og(wei, MAX_DECIMALS)


class OgAmount:
    """Read-only OG (Decimal) view of a wei field: `balance_og = OgAmount("balance_wei")`."""

    def __init__(self, wei_field: str) -> None:
        self.wei_field = wei_field

    def __get__(self, obj: object, owner: type | None = None) -> Decimal:
        if obj is None:
            return self  # type: ignore[return-value]
        return wei_to_og(getattr(obj, self.wei_field))
