"""Python/JSON values into FEEL and back, member by member (connectors/feel/values.py).

A variable reaches FEEL by three roads: converted whole (`x`), entry by entry when only a
member is read (`w.v`), or nested inside a dict or list that the inlined loops convert. Each
road must give the same FEEL value, and `to_json` must give back what Camunda's runtime would
(feel-scala's JavaValueMapper: whole numbers that fit a long are integers, other numbers are
doubles). Expected values follow feel-scala; rows that feelin also computes are compared with it.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from typing import Any

import pytest
from feel_corpus import feelin, same_json

from connectors.elementtemplates import MAX_DEPTH as JSON_MAX_DEPTH
from connectors.feel import MAX_DEPTH, FeelError, evaluate, to_json

NAN, INF = float("nan"), float("inf")
LONG_MAX = 2**63 - 1

# (Python value, what to_json(evaluate(...)) gives back)
ROUND_TRIPS: list[tuple[str, Any, Any]] = [
    # containers
    ("nested lists in a context", {"a": [[1, 2], [3]]}, {"a": [[1, 2], [3]]}),
    ("contexts in a list", [{"a": 1}, {"b": {"c": [True]}}], [{"a": 1}, {"b": {"c": [True]}}]),
    ("empty list", [], []),
    ("empty context", {}, {}),
    ("empties nested", {"a": {}, "b": [], "c": [[], {}]}, {"a": {}, "b": [], "c": [[], {}]}),
    ("None in a list", [1, None, "a", None], [1, None, "a", None]),
    ("None in a context", {"a": None, "b": [None]}, {"a": None, "b": [None]}),
    ("tuple", (1, (2, "b")), [1, [2, "b"]]),
    # booleans stay booleans: True is not 1
    ("true", True, True),
    ("booleans in a list", [True, False, 1, 0], [True, False, 1, 0]),
    ("booleans in a context", {"t": True, "f": False, "one": 1}, {"t": True, "f": False, "one": 1}),
    # integers: exact; a long when they fit one, else a double (JavaValueMapper)
    ("largest long", LONG_MAX, LONG_MAX),
    ("smallest long", -(2**63), -(2**63)),
    ("one past a long", 2**63, float(2**63)),
    ("40 digits", [10**40], [1e40]),
    # JSON floats: the shortest decimal that is the same double (as Java's Double.toString)
    ("0.1", 0.1, 0.1),
    ("0.1 + 0.2 as a double", {"a": 0.1 + 0.2}, {"a": 0.30000000000000004}),
    ("whole float", [1.0, -2.0], [1, -2]),
    ("negative zero", -0.0, 0),
    ("huge float", 1e300, 1e300),
    ("tiny float", [5e-324], [5e-324]),
    ("float beyond a long", 1.2345678901234568e29, 1.2345678901234568e29),
    ("NaN", NAN, None),
    ("infinity in a list", [INF, -INF, 1.5], [None, None, 1.5]),
    ("infinity in a context", {"a": -INF}, {"a": None}),
    # Decimals: already FEEL numbers, but FEEL has no NaN or infinity either
    ("Decimal", Decimal("0.1"), 0.1),
    ("Decimal with a scale", [Decimal("1.50")], [1.5]),
    ("Decimal NaN", Decimal("NaN"), None),
    ("Decimal infinity in a list", [Decimal("Infinity"), Decimal("-Infinity")], [None, None]),
    ("Decimal NaN in a context", {"a": Decimal("NaN"), "b": Decimal("2")}, {"a": None, "b": 2}),
    # strings that look like numbers stay strings
    ("numeric strings", ["1", "007", "1e3", "-0", "0.1"], ["1", "007", "1e3", "-0", "0.1"]),
    ("NaN as a string", {"a": "NaN", "b": "Infinity"}, {"a": "NaN", "b": "Infinity"}),
    # keys that are not strings are spelled as in JSON (and as feel-scala's key.toString does)
    ("int key", {1: "a"}, {"1": "a"}),
    ("float key", {1.5: "a"}, {"1.5": "a"}),
    ("boolean keys", {True: "t", False: "f"}, {"true": "t", "false": "f"}),
    ("None key", {None: "n"}, {"null": "n"}),
    ("keys that collide: the last wins", {1: "a", "1": "b"}, {"1": "b"}),
    ("non-string keys nested", [{"a": {2: [True]}}], [{"a": {"2": [True]}}]),
]  # fmt: skip

# the roads into FEEL: (expression, variables holding `value`)
ROADS: dict[str, tuple[str, Any]] = {
    "whole variable": ("x", lambda value: {"x": value}),
    "member read on its own": ("w.v", lambda value: {"w": {"v": value, "other": [1]}}),
    "nested in a list": ("w[1]", lambda value: {"w": [value]}),
    "nested in a context": ("w.a.v", lambda value: {"w": {"a": {"v": value}, 1: 0}}),
    "through a context literal": ("{r: x}.r", lambda value: {"x": value}),
}


def assert_same_json(actual: Any, expected: Any) -> None:
    """Equal, and of the same JSON types all the way down (True is not 1, 1 is not 1.0)."""
    assert actual == expected
    assert type(actual) is type(expected), (actual, expected)
    if isinstance(expected, dict):
        for key in expected:
            assert_same_json(actual[key], expected[key])
    elif isinstance(expected, list):
        for mine, theirs in zip(actual, expected, strict=True):
            assert_same_json(mine, theirs)


@pytest.mark.parametrize("road", ROADS)
@pytest.mark.parametrize(
    ("value", "expected"),
    [pytest.param(value, expected, id=name) for name, value, expected in ROUND_TRIPS],
)
def test_round_trip(road: str, value: Any, expected: Any) -> None:
    expression, variables = ROADS[road]
    assert_same_json(to_json(evaluate(expression, variables(value))), expected)


# (expression, variables, expected JSON)
EVALUATIONS: list[tuple[str, dict[str, Any], Any]] = [
    # reading into nested lists and contexts
    ("x.a.b[1]", {"x": {"a": {"b": [7, 8]}}}, 7),
    ("x.a[2][1]", {"x": {"a": [[1, 2], [3]]}}, 3),
    ("x.a[-1]", {"x": {"a": [[1], [2, [3]]]}}, [2, [3]]),
    ("x[1].b.c[1]", {"x": [{"b": {"c": [True]}}]}, True),
    ("x.a", {"x": [{"a": 1}, {"a": [2]}, {"b": 3}]}, [1, [2], None]),
    ("x.items[item > 1]", {"x": {"items": [1, 2, 3]}}, [2, 3]),
    ("x[a > 1].a", {"x": [{"a": 1}, {"a": 2.5}]}, [2.5]),
    ("flatten(x)", {"x": [[1], [2, [3]], []]}, [1, 2, 3]),
    ("get entries(x)", {"x": {"a": None}}, [{"key": "a", "value": None}]),
    # empty lists and contexts
    ("count(x.items)", {"x": {"items": []}}, 0),
    ("x = []", {"x": []}, True),
    ("x = {}", {"x": {}}, True),
    ("x[1]", {"x": []}, None),
    ("x.a", {"x": {}}, None),
    ("count(x.a)", {"x": {"a": [[], {}]}}, 2),
    # None inside lists
    ("count(x.items)", {"x": {"items": [None, None]}}, 2),
    ("x[1] = null", {"x": [None]}, True),
    ("x.a = null", {"x": {"a": None}}, True),
    ("is defined(x.b)", {"x": {"a": None}}, False),
    ("list contains(x, null)", {"x": [1, None]}, True),
    # equality of converted values (feel-scala's ValComparator)
    ("x = y", {"x": {"a": [1, {"b": None}]}, "y": {"a": [1.0, {"b": None}]}}, True),
    ("x = y", {"x": {"a": 1}, "y": {"a": 1, "b": None}}, False),
    ("x = y", {"x": [1, 2], "y": [2, 1]}, False),
    ("x = y", {"x": [None], "y": []}, False),
    ("x = y", {"x": {"a": True}, "y": {"a": 1}}, False),
    ("x = y", {"x": 1, "y": True}, None),
    ("x = y", {"x": 0.1, "y": Decimal("0.1")}, True),
    ("x = y", {"x": 1, "y": 1.0}, True),
    ("x = y", {"x": {"1": "a"}, "y": {1: "a"}}, True),
    ("x = {a: [1, {b: null}]}", {"x": {"a": [1, {"b": None}]}}, True),
    # booleans are not numbers
    ("x = 1", {"x": True}, None),
    ("x = true", {"x": True}, True),
    ("x + 1", {"x": True}, None),
    ("x instance of boolean", {"x": True}, True),
    ("x instance of number", {"x": True}, False),
    ("list contains(x, 1)", {"x": [True]}, False),
    ("list contains(x, true)", {"x": [1]}, False),
    ("sum(x)", {"x": [True, 1]}, None),
    ("index of(x, 1)", {"x": [True, 1]}, [2]),
    ("distinct values(x)", {"x": [True, 1, 1.0]}, [True, 1]),
    # numbers are decimals
    ("x + 0.2", {"x": 0.1}, 0.3),
    ("x + 0.2 = 0.3", {"x": 0.1}, True),
    ("x = 0.3", {"x": 0.1 + 0.2}, False),
    ("string(x)", {"x": 0.1}, "0.1"),
    ("string(x)", {"x": 1.0}, "1.0"),
    ("string(x)", {"x": Decimal("1.50")}, "1.50"),
    ("x = 10000000000000000000000000000000000000001", {"x": 10**40 + 1}, True),
    ("string(x)", {"x": 10**40 + 1}, "10000000000000000000000000000000000000001"),
    ("x + 1 > x", {"x": LONG_MAX}, True),
    ("x * 10", {"x": 1e300}, 1e301),
    ("x > 1", {"x": Decimal("NaN")}, None),
    ("x = null", {"x": Decimal("NaN")}, True),
    ("x = null", {"x": NAN}, True),
    ("x < 0", {"x": Decimal("-Infinity")}, None),
    # strings that look like numbers
    ('x = "1"', {"x": "1"}, True),
    ("x = 1", {"x": "1"}, None),
    ("x < 2", {"x": "1"}, None),
    ("number(x) + 1", {"x": "1"}, 2),
    ("string length(x)", {"x": "007"}, 3),
    ("x instance of string", {"x": "1e3"}, True),
    # keys that were not strings
    ('get value(x, "1")', {"x": {1: "a"}}, "a"),
    ('get value(x, "true")', {"x": {True: "a"}}, "a"),
    ("get entries(x)", {"x": {2: "b"}}, [{"key": "2", "value": "b"}]),
]

# rows where feelin (JavaScript numbers, its own type rules) differs from feel-scala: the reason
FEELIN_DIFFERS = {
    ("x + 0.2 = 0.3", "x = 0.1"): "feelin adds doubles: 0.30000000000000004",
    ("x < 2", "x = 1"): "feelin orders a string against a number; feel-scala cannot (null)",
    ("x = y", "x = [None]"): "feelin finds [null] = [] true; feel-scala compares the sizes first",
    ("string(x)", "x = 1.0"): "a JSON 1.0 is the number 1 in JavaScript: feelin gives '1'",
    ("string(x)", "x = 1.50"): "feelin gets the double 1.5",
}


def _variables_as_json(variables: dict[str, Any]) -> dict[str, Any] | None:
    """The variables as JSON feelin can take, or None when they hold what JSON has not."""
    if any(isinstance(v, Decimal | tuple) for v in _leaves(variables)):
        return None
    if any(isinstance(v, float) and v - v != 0 for v in _leaves(variables)):
        return None
    if any(isinstance(v, int) and abs(v) > 2**53 for v in _leaves(variables)):
        return None
    if not all(type(k) is str for d in _dicts(variables) for k in d):
        return None
    return variables


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list | tuple):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _dicts(value: Any) -> list[dict[Any, Any]]:
    if isinstance(value, dict):
        return [value, *(d for v in value.values() for d in _dicts(v))]
    if isinstance(value, list | tuple):
        return [d for v in value for d in _dicts(v)]
    return []


@pytest.mark.parametrize(("expression", "variables", "expected"), EVALUATIONS)
def test_evaluation(expression: str, variables: dict[str, Any], expected: Any) -> None:
    assert_same_json(to_json(evaluate(expression, variables)), expected)


def _feelin_key(expression: str, variables: dict[str, Any]) -> tuple[str, str]:
    return expression, f"x = {variables.get('x')}"


def test_evaluations_that_json_can_carry_agree_with_feelin() -> None:
    assert shutil.which("node"), "node is not installed; the feelin comparison needs it"
    rows = [
        (expression, json_variables, expected)
        for expression, variables, expected in EVALUATIONS
        if (json_variables := _variables_as_json(variables)) is not None
    ]
    assert len(rows) >= 40  # most of the table is plain JSON
    reference = feelin([(expression, variables) for expression, variables, _ in rows])
    disagreements = {}
    for (expression, variables, expected), theirs in zip(rows, reference, strict=True):
        agrees = "value" in theirs and same_json(expected, theirs["value"])
        key = _feelin_key(expression, variables)
        if agrees == (key in FEELIN_DIFFERS):
            disagreements[key] = (expected, theirs)
    assert disagreements == {}


# -- deep values ------------------------------------------------------------------------------


def _nested(depth: int, kind: str) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


@pytest.mark.parametrize("kind", ["list", "context"])
@pytest.mark.parametrize("depth", [JSON_MAX_DEPTH, MAX_DEPTH, 200])
def test_values_as_deep_as_the_guards_allow_convert_and_compare(kind: str, depth: int) -> None:
    """The hub's JSON guard (64 levels) and FEEL's expression guard (120) leave room to spare."""
    value = _nested(depth, kind)
    assert to_json(evaluate("x", {"x": value})) == value
    assert to_json(evaluate("w.v", {"w": {"v": value}})) == value
    assert evaluate("x = y", {"x": value, "y": _nested(depth, kind)}) is True
    assert evaluate("to json(x) = to json(y)", {"x": value, "y": _nested(depth, kind)}) is True


@pytest.mark.parametrize("kind", ["list", "context"])
@pytest.mark.parametrize("depth", [400, 500, 700, 990, 5_000])
def test_deeper_values_convert_or_fail_with_a_feel_error(kind: str, depth: int) -> None:
    """Python's recursion limit ends conversion somewhere; it ends in a FeelError, never in a
    RecursionError (the runtime reports a FeelError as the expression's failure)."""
    value = _nested(depth, kind)
    for expression, variables in [("x", {"x": value}), ("w.v", {"w": {"v": value}})]:
        try:
            result = to_json(evaluate(expression, variables))
        except FeelError as error:
            assert "nested too deeply" in str(error)
        else:
            assert result == value
