"""Bad input gets a FeelError that says what and where; nothing crashes or hangs."""

from __future__ import annotations

import contextlib
import string
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.feel import (
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    FeelError,
    FeelEvaluationError,
    FeelSyntaxError,
    Problem,
    check,
    evaluate,
    parse,
    parse_uncached,
)

# -- syntax errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("1 +", 1, 4),
        ("{a: 1", 1, 6),
        ("{a: 1,\n b: }", 2, 5),
        ("if x then 1", 1, 12),
        ('"unterminated', 1, 1),
        ("foo(1,)", 1, 7),
        ("[1, 2", 1, 6),
        ("1 2", 1, 3),
    ],
)
def test_syntax_error_says_where(text: str, line: int, column: int) -> None:
    with pytest.raises(FeelSyntaxError) as caught:
        parse_uncached(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert f"line {line}, column {column}" in str(caught.value)


def test_syntax_error_says_what_was_expected() -> None:
    with pytest.raises(FeelSyntaxError) as caught:
        parse_uncached("if x then 1")
    assert "'else'" in caught.value.expected
    assert "expected" in caught.value.message


def test_empty_expression_is_a_syntax_error() -> None:
    with pytest.raises(FeelSyntaxError, match="empty expression"):
        parse("   ")


def test_non_string_is_a_syntax_error() -> None:
    with pytest.raises(FeelSyntaxError, match="must be a string"):
        parse_uncached(42)  # type: ignore[arg-type]


def test_leading_equals_is_not_feel() -> None:
    with pytest.raises(FeelSyntaxError):
        parse("=1 + 1")


def test_parse_is_cached() -> None:
    assert parse("a + 1") is parse("a + 1")


# -- check() for forms --------------------------------------------------------------------


def test_check_reports_syntax_problem_with_position() -> None:
    [problem] = check("{a: 1,\n b: }")
    assert (problem.line, problem.column) == (2, 5)
    assert problem.message.startswith("unexpected '}'; expected ")
    assert "a name" in problem.message


def test_check_reports_unknown_function_and_wrong_count() -> None:
    problems = check('concat("a", "b") + substring("abc")')
    assert [p.message for p in problems] == [
        "unknown function 'concat'",
        "function 'substring' takes 2 to 3 arguments, not 1",
    ]
    assert (problems[1].line, problems[1].column) == (1, 20)


def test_check_accepts_functions_defined_in_the_expression() -> None:
    assert check("{f: function(x) x, r: f(1)}") == []


def test_check_accepts_connector_functions() -> None:
    assert check('bpmnError("c", "m")') == []
    assert check("jobError()") == [
        Problem("function 'jobError' takes 1 to 4 arguments, not 0", 1, 1)
    ]


# -- evaluation errors --------------------------------------------------------------------


def test_unknown_function_is_named() -> None:
    with pytest.raises(FeelEvaluationError, match="unknown function 'nope'"):
        evaluate("nope(1)", {})


def test_wrong_argument_count_is_named() -> None:
    with pytest.raises(FeelEvaluationError, match="'upper case' got 2 argument"):
        evaluate('upper case("a", "b")', {})


def test_unknown_named_parameter_is_named() -> None:
    with pytest.raises(FeelEvaluationError, match="no parameter named 'code'"):
        evaluate('bpmnError(code: "x")', {})


def test_connector_function_argument_type_is_checked() -> None:
    with pytest.raises(FeelEvaluationError, match="'errorCode' of function 'bpmnError'"):
        evaluate("bpmnError(1, 2)", {})
    with pytest.raises(FeelEvaluationError, match="'retryBackoff'"):
        evaluate('jobError("m", {}, 1, "PT1S")', {})


def test_calling_a_non_function_is_an_error() -> None:
    with pytest.raises(FeelEvaluationError, match="not a function"):
        evaluate("{a: 1}.a(2)", {})


def test_context_must_be_a_mapping() -> None:
    with pytest.raises(FeelEvaluationError, match="mapping"):
        evaluate("1", [1])  # type: ignore[arg-type]


def test_evaluate_returns_decimals_for_int_and_float_variables() -> None:
    assert evaluate("[a, b]", {"a": 1, "b": 0.1}) == [Decimal(1), Decimal("0.1")]
    assert evaluate("x", {"x": float("nan")}) is None


# -- guards -------------------------------------------------------------------------------


def test_expression_length_is_bounded() -> None:
    with pytest.raises(FeelSyntaxError, match="limit"):
        parse("1" * (MAX_EXPRESSION_LENGTH + 1))


@pytest.mark.parametrize(
    "text",
    [
        "-" * 5000 + "1",
        "[" * 5000 + "]" * 5000,
        "{a:" * 3000 + "1" + "}" * 3000,
        "not(" * 3000 + "true" + ")" * 3000,
        "(" * 3000 + "1" + ")" * 3000,
        "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1),
        "1 + (" * 200 + "1" + ")" * 200,
        "if true then " * 2000 + "1" + " else 2" * 2000,
        "a" + ".b" * 5000,
    ],
)
def test_deep_nesting_is_a_clean_syntax_error_that_says_depth(text: str) -> None:
    with pytest.raises(FeelSyntaxError, match=f"nested deeper than {MAX_DEPTH} levels") as caught:
        parse_uncached(text)
    assert "too long" not in str(caught.value)


def test_parentheses_within_the_depth_limit_are_fine() -> None:
    assert evaluate("(" * (MAX_DEPTH - 1) + "1" + ")" * (MAX_DEPTH - 1), {}) == Decimal(1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" + ".join(["1"] * 20_000), Decimal(20_000)),
        ("*".join(["1"] * 20_000), Decimal(1)),
        (" and ".join(["true"] * 10_000), True),
        (" or ".join(["false"] * 10_000) + " or true", True),
        ("x" + ".a" * 20 + " + 1", None),
        ('"" + ' + " + ".join(['"a"'] * 5_000), "a" * 5_000),
    ],
)
def test_long_flat_chains_are_not_nesting(text: str, expected: object) -> None:
    """A flat chain is as deep as one operator; only the length limit bounds it."""
    assert evaluate(text, {}) == expected


def test_long_else_if_chain_is_flat() -> None:
    branches = "".join(f'else if code = "{i}" then "branch {i}" ' for i in range(1, 2_000))
    text = 'if code = "0" then "branch 0" ' + branches + 'else "none"'
    assert evaluate(text, {"code": "1999"}) == "branch 1999"
    assert evaluate(text, {"code": "x"}) == "none"
    assert check(text) == []


def test_operator_precedence_survives_flat_chains() -> None:
    assert evaluate("1 + 2 * 3 - 4 / 2", {}) == Decimal(5)
    assert evaluate("(1 - 2) - 3", {}) == Decimal(-4)
    assert evaluate("1 - (2 - 3)", {}) == Decimal(2)
    assert evaluate("2 ** 3 ** 2", {}) == Decimal(64)
    assert evaluate("true and null and false", {}) is False
    assert evaluate("true and null", {}) is None
    assert evaluate("null or true", {}) is True
    assert evaluate("false or null", {}) is None


def test_too_long_text_says_length_not_depth() -> None:
    text = " + ".join(["1"] * (MAX_EXPRESSION_LENGTH // 4 + 1))
    with pytest.raises(FeelSyntaxError, match="too long") as caught:
        parse_uncached(text)
    assert f"limit is {MAX_EXPRESSION_LENGTH}" in str(caught.value)
    assert "nested" not in str(caught.value)


def test_step_budget_stops_runaway_loops() -> None:
    with pytest.raises(FeelEvaluationError, match="steps"):
        evaluate("for i in 1..100000, j in 1..100000 return i * j", {}, max_steps=100_000)


def test_huge_range_is_refused() -> None:
    with pytest.raises(FeelEvaluationError, match="too long"):
        evaluate("for i in 1..100000000000 return i", {})


def test_recursive_function_is_stopped() -> None:
    with pytest.raises(FeelEvaluationError, match="nested deeper"):
        evaluate("{f: function(n) f(n + 1), r: f(1)}.r", {})


def test_string_doubling_is_stopped() -> None:
    entries = ", ".join(f"s{i + 1}: s{i} + s{i}" for i in range(40))
    with pytest.raises(FeelEvaluationError, match="string longer"):
        evaluate("{s0: " + '"xxxxxxxxxx"' + ", " + entries + "}", {})


def test_huge_power_is_null_not_a_hang() -> None:
    assert evaluate("2 ** 100000000", {}) is None


# -- property tests -----------------------------------------------------------------------

FEEL_ALPHABET = string.ascii_letters + string.digits + " \n\t\"'`@.,:;()[]{}+-*/<>=!?_\\$#%&|^~"
FEEL_WORDS = st.sampled_from(
    [
        "if",
        "then",
        "else",
        "for",
        "in",
        "return",
        "some",
        "every",
        "satisfies",
        "and",
        "or",
        "between",
        "instance of",
        "function",
        "null",
        "true",
        "false",
        "not(",
        "..",
        "**",
        "//",
        "/*",
        "*/",
        '@"',
        "date and time(",
        "is defined(",
        "[",
        "]",
        "{",
        "}",
        "(",
        ")",
        ",",
        ":",
        "x",
        "1",
        '"s"',
        "item",
        ".",
        "=",
        "!=",
        "<=",
        " ",
    ]
)
settings_ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings_
@given(st.text(alphabet=FEEL_ALPHABET, max_size=80))
def test_random_text_only_raises_syntax_errors(text: str) -> None:
    try:
        parse_uncached(text)
    except FeelSyntaxError as error:
        assert error.line >= 1 and error.column >= 1


@settings_
@given(st.lists(FEEL_WORDS, max_size=30).map("".join))
def test_random_token_soup_only_raises_syntax_errors(text: str) -> None:
    with contextlib.suppress(FeelSyntaxError):
        parse_uncached(text)


@settings_
@given(st.lists(FEEL_WORDS, max_size=20).map(" ".join))
def test_whatever_parses_evaluates_or_fails_cleanly(text: str) -> None:
    try:
        expression = parse_uncached(text)
    except FeelSyntaxError:
        return
    with contextlib.suppress(FeelError):
        evaluate(expression, {"x": [1, {"a": "b"}], "item": 2}, max_steps=10_000)


@settings_
@given(st.text(max_size=60))
def test_any_unicode_only_raises_syntax_errors(text: str) -> None:
    with contextlib.suppress(FeelSyntaxError):
        parse_uncached(text)
