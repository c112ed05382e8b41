"""`og_devnet.jsonsafe.loads`: json.loads that refuses deep nesting before the C parser can recurse."""

from __future__ import annotations

import json
import sys
import threading

import pytest

from og_devnet.jsonsafe import MAX_DEPTH, loads


def nested(depth: int, open_: str = "[", close: str = "]") -> str:
    return open_ * depth + close * depth


def test_parses_like_json_loads() -> None:
    text = '{"a": [1, 2.5, "x", null, true, {"b": "c"}], "d": "\\u00e9\\n"}'
    assert loads(text) == json.loads(text)
    assert loads(text.encode()) == json.loads(text)
    assert loads(text.encode("utf-16")) == json.loads(text)  # encoding detected like json.loads


@pytest.mark.parametrize("bad", ["", "{bad", "[1,]", '"unterminated', "[1] [2]"])
def test_invalid_json_still_raises_jsons_own_error(bad: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        loads(bad)


def test_depth_limit_is_exact() -> None:
    assert loads(nested(MAX_DEPTH)) is not None
    assert loads('{"k":' * MAX_DEPTH + "1" + "}" * MAX_DEPTH) is not None
    with pytest.raises(ValueError, match="^exceeded max depth$"):
        loads(nested(MAX_DEPTH + 1))
    with pytest.raises(ValueError, match="exceeded max depth"):
        loads('{"k":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1))
    with pytest.raises(ValueError, match="exceeded max depth"):
        loads("[{" * 300 + "}]" * 300)  # mixed kinds add up
    assert loads(nested(5), max_depth=5) == [[[[[]]]]]
    with pytest.raises(ValueError, match="exceeded max depth"):
        loads(nested(6), max_depth=5)


def test_brackets_inside_strings_do_not_count() -> None:
    many = "[" * 5000 + "{" * 5000
    assert loads(json.dumps({"content": many})) == {"content": many}
    # Escaped quotes do not end the string; an escaped backslash before the closing quote does.
    tricky = '["\\"' + "[" * 2000 + '", "\\\\", "' + "{" * 2000 + '"]'
    assert loads(tricky) == json.loads(tricky)
    # ... so brackets after a string that really ended still count.
    with pytest.raises(ValueError, match="exceeded max depth"):
        loads('["\\\\"' + "," + nested(MAX_DEPTH) + "]")


def test_closing_brackets_inside_strings_do_not_hide_nesting() -> None:
    # Each level holds the string "]": counted as a closer, it would cancel the level and hide 601 levels.
    with pytest.raises(ValueError, match="exceeded max depth"):
        loads('["a", ' + '["]", ' * 600 + "0" + "]" * 601)


def test_many_shallow_brackets_are_fine_and_fast() -> None:
    flat = "[" + ",".join(["[]", "{}"] * 200_000) + "]"
    assert len(loads(flat)) == 400_000


def test_deep_input_never_reaches_the_parser_even_with_a_raised_recursion_limit() -> None:
    """The audit's crash: with py-evm's recursion limit the C parser overflowed the C stack. Run in a
    thread (smaller stack than the main thread) with the limit raised as py-evm raises it."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 100_000))
    errors: list[BaseException] = []

    def run() -> None:
        for body in (nested(100_000).encode(), nested(100_000, "{\"a\":", "}").encode()):
            try:
                loads(body)
            except ValueError as exc:
                errors.append(exc)

    try:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(60)
    finally:
        sys.setrecursionlimit(old)
    assert [str(e) for e in errors] == ["exceeded max depth", "exceeded max depth"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    """json.loads accepts them and json.dumps writes them back: a reply no JSON parser reads."""
    with pytest.raises(ValueError, match=f"{constant} is not a JSON value"):
        loads(f'{{"id": {constant}}}')
    assert loads('{"id": "NaN"}') == {"id": "NaN"}  # as a string it is fine
