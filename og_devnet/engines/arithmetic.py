"""Exact arithmetic for the chat engine: a small recursive-descent parser (never `eval`).

Numbers are `Fraction`s, so 0.1 + 0.2 is exactly 0.3; non-integer powers and square roots fall
back to floats. Words ("plus", "times", "divided by", "squared", "square root of") are rewritten
to symbols first.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

Number = Fraction | float

MAX_EXPONENT = 10_000
MAX_DIGITS = 2_000


class MathError(ValueError):
    pass


_WORDS = [
    (r"(\d+(?:\.\d+)?)\s*(?:%|percent)\s+of\b", r"(\1 / 100) * "),
    (r"\bsquare\s+root\s+of\b", " sqrt "),
    (r"\bsqrt\b", " sqrt "),
    (r"\bto\s+the\s+power\s+of\b|\braised\s+to(?:\s+the\s+power\s+of)?\b|\bpower\b|\*\*", " ^ "),
    (r"\bsquared\b", " ^ 2 "),
    (r"\bcubed\b", " ^ 3 "),
    (r"\bmultiplied\s+by\b|\btimes\b|[×·]", " * "),
    (r"\bdivided\s+by\b|\bover\b|÷", " / "),
    (r"\bplus\b|\badded\s+to\b", " + "),
    (r"\bminus\b|\bsubtract(?:ed)?\b|−", " - "),
    (r"\bmod(?:ulo)?\b", " % "),
    (r"(?<=\d)\s*x\s*(?=[\d(])", " * "),
    (r"(?<=\d),(?=\d{3}\b)", ""),  # 1,000 → 1000
]
_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "thousand": 1000, "million": 1_000_000,
}
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|(sqrt)|([-+*/^%()]))")
_CANDIDATE = re.compile(r"(?:sqrt|[\d.()\s+\-*/^%])+")


def normalise(text: str) -> str:
    s = text.lower()
    for pattern, repl in _WORDS:
        s = re.sub(pattern, repl, s)
    return re.sub(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", lambda m: str(_NUMBER_WORDS[m.group(1)]), s)


def find_expression(text: str) -> str | None:
    """The longest span that looks like arithmetic: digits and at least one operator."""
    best = None
    for m in _CANDIDATE.finditer(normalise(text)):
        span = m.group(0).strip().rstrip(".")
        if not re.search(r"\d", span):
            continue
        # A bare number, or a date-like "2024-05" inside a sentence, is not a question.
        if not re.search(r"\d\s*[-+*/^%]\s*[\d(.s]|sqrt|\)\s*[-+*/^%]|[-+*/^%]\s*\(", span):
            continue
        if best is None or len(span) > len(best):
            best = span
    return best


class _Parser:
    def __init__(self, text: str):
        self.tokens: list[str] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise MathError(f"unexpected {text[pos:pos + 10]!r}")
            self.tokens.append(m.group(1) or m.group(2) or m.group(3))
            pos = m.end()
            while pos < len(text) and text[pos].isspace():
                pos += 1
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise MathError("unexpected end of expression")
        self.i += 1
        return tok

    def parse(self) -> Number:
        value = self.expr()
        if self.peek() is not None:
            raise MathError(f"unexpected {self.peek()!r}")
        return value

    def expr(self) -> Number:
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            rhs = self.term()
            value = value + rhs if op == "+" else value - rhs
        return value

    def term(self) -> Number:
        value = self.unary()
        while self.peek() in ("*", "/", "%") or self.peek() == "(":
            op = "*" if self.peek() == "(" else self.take()  # 2(3+4) is multiplication
            rhs = self.unary()
            if op == "*":
                value = value * rhs
            elif rhs == 0:
                raise ZeroDivisionError
            else:
                value = value / rhs if op == "/" else value % rhs
        return value

    def unary(self) -> Number:
        if self.peek() in ("+", "-"):
            sign = self.take()
            value = self.unary()
            return -value if sign == "-" else value
        return self.power()

    def power(self) -> Number:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            exponent = self.unary()  # right-associative: 2^3^2 = 2^9
            return _pow(base, exponent)
        return base

    def atom(self) -> Number:
        tok = self.take()
        if tok == "(":
            value = self.expr()
            if self.take() != ")":
                raise MathError("missing )")
            return value
        if tok == "sqrt":
            value = self.unary() if self.peek() != "(" else self.atom()
            if value < 0:
                raise MathError("square root of a negative number")
            root = math.isqrt(int(value)) if isinstance(value, Fraction) and value.denominator == 1 else None
            if root is not None and root * root == value:
                return Fraction(root)
            return math.sqrt(value)
        if tok[0].isdigit() or tok[0] == ".":
            return Fraction(tok)
        raise MathError(f"unexpected {tok!r}")


def _pow(base: Number, exponent: Number) -> Number:
    if isinstance(exponent, Fraction) and exponent.denominator == 1 and isinstance(base, Fraction):
        if abs(exponent) > MAX_EXPONENT:
            raise MathError("exponent too large")
        if base == 0 and exponent < 0:
            raise ZeroDivisionError
        # Bound the size of the result before computing it.
        if base.numerator and abs(exponent) * max(len(str(base.numerator)), len(str(base.denominator))) > MAX_DIGITS:
            raise MathError("result too large")
        return base ** int(exponent)
    try:
        result = float(base) ** float(exponent)
    except OverflowError as exc:
        raise MathError("result too large") from exc
    if isinstance(result, complex):
        raise MathError("result is not a real number")
    return result


def evaluate(expression: str) -> Number:
    return _Parser(expression).parse()


def format_number(value: Number) -> str:
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.10g}"
    if value.denominator == 1:
        return str(value.numerator)
    d = value.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:  # terminating decimal: print it exactly
        digits = 0
        scaled = value
        while scaled.denominator != 1:
            scaled *= 10
            digits += 1
        sign = "-" if scaled < 0 else ""
        s = str(abs(scaled.numerator)).rjust(digits + 1, "0")
        return f"{sign}{s[:-digits]}.{s[-digits:]}"
    return f"{float(value):.10g}"


def pretty(expression: str) -> str:
    """'2+2*3' → '2 + 2 * 3' for the answer text."""
    s = re.sub(r"\s*([-+*/^%])\s*", r" \1 ", expression.strip())
    s = re.sub(r"([(^*/%+-])\s+-\s+(\d)", r"\1 -\2", s)  # keep unary minus attached
    s = re.sub(r"^\s*-\s+", "-", s)
    s = re.sub(r"\(\s+", "(", s)
    s = re.sub(r"sqrt\s*", "√", s)
    return re.sub(r"\s+\)", ")", re.sub(r"\s{2,}", " ", s)).strip()


def answer(text: str) -> str | None:
    """An answer sentence if `text` contains arithmetic, else None."""
    expression = find_expression(text)
    if expression is None:
        return None
    shown = pretty(expression)
    try:
        value = evaluate(expression)
    except ZeroDivisionError:
        return f"{shown} is undefined: division by zero."
    except MathError as exc:
        if "too large" in str(exc):
            return f"{shown} is too large for me to compute."
        return None
    except (ValueError, OverflowError):
        return None
    text_value = format_number(value)
    exact = isinstance(value, Fraction) and Fraction(text_value) == value
    return f"{shown} {'=' if exact else '≈'} {text_value}"
