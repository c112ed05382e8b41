"""Exact arithmetic for the chat engine: a small recursive-descent parser (never `eval`).

Numbers are `Fraction`s, so 0.1 + 0.2 is exactly 0.3; non-integer powers and square roots fall
back to floats. Words ("plus", "times", "divided by", "squared", "square root of") are rewritten
to symbols first. Numbers may use scientific notation (1.5e3); `!` is the factorial. Every value is
kept within MAX_DIGITS, so a short question can never make the engine compute for long.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

Number = Fraction | float

MAX_EXPONENT = 10_000
MAX_DIGITS = 2_000
MAX_BITS = int(MAX_DIGITS * 3.33) + 1  # ~MAX_DIGITS decimal digits; bit_length() is free to check
MAX_FACTORIAL = 500  # 500! has 1135 digits


class MathError(ValueError):
    pass


class OutOfRange(MathError):
    """A number or result beyond what we compute exactly; str() is "too large" or "too small"."""


class Undefined(MathError):
    """An operation outside its domain; str() says why, e.g. the factorial of 2.5."""


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
    (r"(?<=[\d)])\s*x\s*(?=[\d(])", " * "),
    (r"\bfactorial\s+of\s+", " ! "),  # "factorial of 6" → "! 6", turned into "6!" below
    (r"(?<=\d)\s+factorial\b", "!"),
    (r"(?<=\d),(?=\d{3}\b)", ""),  # 1,000 → 1000
]
_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "thousand": 1000, "million": 1_000_000,
}
_NUM = r"(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?"
_TOKEN = re.compile(rf"\s*(?:({_NUM})|(sqrt)|([-+*/^%()!]))")
# Arithmetic-looking runs. Never touching a letter or a digit outside the run: "0x1f + 1" or
# "abc1 + 2" are not sums we should silently answer with a piece of them.
_CANDIDATE = re.compile(rf"(?<![\w.])(?:{_NUM}|sqrt|[()\s+\-*/^%!])+(?!\w)")
_OPERATION = re.compile(r"\d\s*[-+*/^%]\s*[-+]*\s*[\d(.s]|sqrt|\)\s*[-+*/^%]|[-+*/^%]\s*\(")
_FACTORIAL = re.compile(r"[\d)]\s*!")
# What may surround a bare factorial ("what is 5!") — unlike "I just turned 5!".
_ASKING = {"what", "whats", "s", "is", "the", "calculate", "compute", "evaluate", "find", "please", "value",
           "of", "how", "much", "tell", "me"}


def normalise(text: str) -> str:
    s = text.lower()
    for pattern, repl in _WORDS:
        s = re.sub(pattern, repl, s)
    s = re.sub(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", lambda m: str(_NUMBER_WORDS[m.group(1)]), s)
    return re.sub(rf"!\s*({_NUM})\b", r" \1!", s)  # "! 6" (from "factorial of 6") → "6!"


def find_expression(text: str) -> str | None:
    """The longest span that looks like arithmetic: digits and at least one operator."""
    best = None
    norm = normalise(text)
    for m in _CANDIDATE.finditer(norm):
        span = m.group(0).strip().lstrip("!").strip().rstrip(".")
        if not re.search(r"\d", span):
            continue
        # A bare number is not a question; a bare factorial only when the rest of the text just asks.
        if not _OPERATION.search(span) and not (_FACTORIAL.search(span) and _only_asks(norm, m)):
            continue
        if best is None or len(span) > len(best):
            best = span
    return best


def _only_asks(text: str, m: re.Match) -> bool:
    rest = text[:m.start()] + " " + text[m.end():]
    return set(re.findall(r"[a-z]+", rest)) <= _ASKING


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
            value = _checked(value + rhs if op == "+" else value - rhs)
        return value

    def term(self) -> Number:
        value = self.unary()
        while self.peek() in ("*", "/", "%") or self.peek() == "(":
            op = "*" if self.peek() == "(" else self.take()  # 2(3+4) is multiplication
            rhs = self.unary()
            if op == "*":
                value = _checked(value * rhs)
            elif rhs == 0:
                raise ZeroDivisionError
            else:
                value = _checked(value / rhs if op == "/" else value % rhs)
        return value

    def unary(self) -> Number:
        if self.peek() in ("+", "-"):
            sign = self.take()
            value = self.unary()
            return -value if sign == "-" else value
        return self.power()

    def power(self) -> Number:
        base = self.atom()
        if self.peek() == "!":  # postfix, binds tighter than ^ and unary minus: -3! = -(3!)
            self.take()
            if self.peek() == "!":
                raise MathError("double factorial (n!!) is not supported")
            base = _factorial(base)
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
                raise Undefined("the square root of a negative number is not a real number")
            root = math.isqrt(int(value)) if isinstance(value, Fraction) and value.denominator == 1 else None
            if root is not None and root * root == value:
                return Fraction(root)
            return math.sqrt(value)
        if tok[0].isdigit() or tok[0] == ".":
            return _number(tok)
        raise MathError(f"unexpected {tok!r}")


def _number(token: str) -> Fraction:
    """A literal such as 12, 0.5 or 1.5e3, refused before it is built if it is out of range."""
    mantissa, _, exponent = token.partition("e")
    if len(exponent.lstrip("+-")) > 6 or abs(int(exponent or 0)) > MAX_DIGITS:
        raise OutOfRange("too small" if exponent.startswith("-") else "too large")
    if len(mantissa) > MAX_DIGITS:
        raise OutOfRange("too large")
    return _checked(Fraction(token))


def _checked(value: Number) -> Number:
    """`value`, unless its exact form has grown past MAX_DIGITS digits."""
    if isinstance(value, Fraction) and max(value.numerator.bit_length(), value.denominator.bit_length()) > MAX_BITS:
        raise OutOfRange("too large" if abs(value) >= 1 else "too small")
    return value


def _factorial(value: Number) -> Number:
    if not (isinstance(value, Fraction) and value.denominator == 1 and value >= 0):
        raise Undefined("the factorial is defined for whole numbers from 0 up")
    if value > MAX_FACTORIAL:
        raise OutOfRange("too large")
    return Fraction(math.factorial(int(value)))


def _pow(base: Number, exponent: Number) -> Number:
    if isinstance(exponent, Fraction) and exponent.denominator == 1 and isinstance(base, Fraction):
        if abs(exponent) > MAX_EXPONENT:
            raise OutOfRange("too large")
        if base == 0 and exponent < 0:
            raise ZeroDivisionError
        # Bound the size of the result before computing it.
        if base.numerator and abs(exponent) * max(len(str(base.numerator)), len(str(base.denominator))) > MAX_DIGITS:
            raise OutOfRange("too large")
        return _checked(base ** int(exponent))
    try:
        result = float(base) ** float(exponent)
    except OverflowError as exc:
        raise OutOfRange("too large") from exc
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
    s = re.sub(r"\s*(?<![\d.]e)([-+*/^%])\s*", r" \1 ", expression.strip())  # not 1e-3's sign
    s = re.sub(r"([(^*/%+-])\s+-\s+(\d)", r"\1 -\2", s)  # keep unary minus attached
    s = re.sub(r"^\s*-\s+", "-", s)
    s = re.sub(r"\(\s+", "(", s)
    s = re.sub(r"sqrt\s*", "√", s)
    s = re.sub(r"\s+!", "!", s)
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
    except OutOfRange as exc:
        return f"{shown} is {exc} for me to compute."
    except Undefined as exc:
        return f"{shown} is undefined: {exc}."
    except MathError:
        return None
    except (ValueError, OverflowError):
        return None
    text_value = format_number(value)
    exact = isinstance(value, Fraction) and Fraction(text_value) == value
    return f"{shown} {'=' if exact else '≈'} {text_value}"
