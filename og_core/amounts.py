"""Amounts typed by people → wei, and wei → OG for display. Decimal only, never float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from og_core.errors import AmountInputError

WEI_PER_OG = 10**18
MAX_DECIMALS = 18


_HINT = "Enter an amount in OG, e.g. 2 or 0.5."
AmountError = AmountInputError  # an OgError and a ValueError; `.message` says why in plain words


def parse_og(value: str | int | Decimal, *, field: str = "Amount", allow_zero: bool = False) -> int:
    """Parse an OG amount ("2", "0.5", "1e-3") into wei.

    Rules: a finite decimal number, > 0 (or ≥ 0 with allow_zero), at most 18 decimals.
    Floats are refused: they cannot represent most decimal amounts exactly.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise AmountError(f"{field} must be written as text or a whole number, not a float.", _HINT)
    text = str(value).strip().replace("_", "")
    if text == "":
        raise AmountError(f"{field} is empty.", _HINT)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise AmountError(f"{field} “{text[:40]}” is not a number.", _HINT) from None
    if not amount.is_finite():
        raise AmountError(f"{field} must be a finite number of OG.", _HINT)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise AmountError(f"{field} must be more than 0 OG.", _HINT)
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
        raise AmountError(f"{field} has more than {MAX_DECIMALS} decimals; 1 neuron (10⁻¹⁸ OG) is the smallest unit.", _HINT)
    wei = amount * WEI_PER_OG
    if wei != wei.to_integral_value():  # defensive; covered by the exponent check
        raise AmountError(f"{field} is finer than 1 neuron (10⁻¹⁸ OG).", _HINT)
    result = int(wei)
    if result >= 2**256:
        raise AmountError(f"{field} is larger than any OG amount that can exist.", _HINT)
    return result


def wei_to_og(wei: int) -> Decimal:
    """Exact OG value of an amount in wei."""
    return Decimal(int(wei)).scaleb(-18)


def format_og(wei: int, places: int = 6, *, unit: bool = True) -> str:
    """Human text for an amount in wei: '2.5 OG', '0.000001 OG', '< 0.000001 OG'.

    Trailing zeros are dropped; amounts too small for `places` decimals are shown as '< …'.
    """
    og = wei_to_og(wei)
    suffix = " OG" if unit else ""
    if og == 0:
        return f"0{suffix}"
    quantum = Decimal(1).scaleb(-places)
    if 0 < abs(og) < quantum:
        return f"{'-' if og < 0 else ''}< {quantum:f}{suffix}"
    text = f"{og.quantize(quantum):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}{suffix}"
