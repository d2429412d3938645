"""`unknown_functions="null"`: a call no function accepts gives null plus a warning, as in
feel-scala (Camunda's engine, 1.17+), where such a call is a suppressed NO_FUNCTION_FOUND
failure. The default mode still raises, and `check()` still reports the call for forms."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.feel import FeelEvaluationError, Problem, check, evaluate, to_json

DOCS_TYPO = 'if error.code = "404" then bmpnError("404", "Got a 404") else null'
ERROR_404 = {"error": {"code": "404", "message": "Not Found"}}

# (expression, variables, expected JSON in null mode, [(warning start, line, column)])
NULL_MODE_CASES: list[tuple[str, dict[str, Any], Any, list[tuple[str, int, int]]]] = [
    (
        'if unknownFunction(1) then bpmnError("x", "y") else null',
        {},
        None,
        [("unknown function 'unknownFunction'", 1, 4)],
    ),
    (DOCS_TYPO, ERROR_404, None, [("unknown function 'bmpnError'", 1, 28)]),
    (DOCS_TYPO, {}, None, []),
    ("{a: nope(1), b: 2}", {}, {"a": None, "b": 2}, [("unknown function 'nope'", 1, 5)]),
    ("nope(1) + 1", {}, None, [("unknown function 'nope'", 1, 1)]),
    ("is defined(nope(1))", {}, False, [("unknown function 'nope'", 1, 12)]),
    # the function is looked up before its arguments are evaluated: one warning, not two
    ("outer(inner(1))", {}, None, [("unknown function 'outer'", 1, 1)]),
    # a variable that is not a function is no function either
    ("x(1)", {"x": 5}, None, [("unknown function 'x'", 1, 1)]),
    # a known function with an argument count no overload takes: feel-scala finds no function
    ('upper case("a", "b")', {}, None, [("function 'upper case' got 2 argument(s)", 1, 1)]),
    ('substring("abc")', {}, None, [("function 'substring' got 1 argument(s)", 1, 1)]),
    ("jobError()", {}, None, [("function 'jobError' got 0 argument(s)", 1, 1)]),
    (
        'bpmnError(code: "x")',
        {},
        None,
        [("function 'bpmnError' has no parameter named 'code'", 1, 1)],
    ),
    (
        "{f: function(a) a, r: f(1, 2)}.r",
        {},
        None,
        [("function 'anonymous function' got 2", 1, 23)],
    ),
    # what is known keeps working, and a null condition takes the else branch
    (
        'if nope() then 1 else bpmnError("E", "m")',
        {},
        {"errorType": "bpmnError", "errorCode": "E", "errorMessage": "m"},
        [("unknown function 'nope'", 1, 4)],
    ),
    ("{f: function(a) a + 1, r: f(1)}.r", {}, 2, []),
    ('string join(["a", "b"], "-", "<", ">")', {}, "<a-b>", []),
]


@pytest.mark.parametrize(("expression", "variables", "expected", "warned"), NULL_MODE_CASES)
def test_null_mode_gives_null_and_warns(
    expression: str, variables: dict[str, Any], expected: Any, warned: list[tuple[str, int, int]]
) -> None:
    warnings: list[Problem] = []
    result = evaluate(expression, variables, unknown_functions="null", warnings=warnings)
    assert to_json(result) == expected
    assert [(w.line, w.column) for w in warnings] == [(line, column) for _, line, column in warned]
    for warning, (start, _, _) in zip(warnings, warned, strict=True):
        assert warning.message.startswith(start)
        assert warning.message.endswith("the call gives null")


def test_null_mode_without_a_warning_list() -> None:
    assert evaluate("nope(1)", {}, unknown_functions="null") is None


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("nope(1)", "unknown function 'nope' (line 1, column 1)"),
        (DOCS_TYPO, "unknown function 'bmpnError' (line 1, column 28)"),
        ('upper case("a", "b")', "'upper case' got 2 argument"),
        ('bpmnError(code: "x")', "no parameter named 'code'"),
    ],
)
def test_error_mode_is_the_default(expression: str, message: str) -> None:
    with pytest.raises(FeelEvaluationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        evaluate(expression, ERROR_404)


def test_what_feel_scala_also_fails_still_fails_in_null_mode() -> None:
    # Camunda's connector functions check their argument types and fail the evaluation
    with pytest.raises(FeelEvaluationError, match="'errorCode' of function 'bpmnError'"):
        evaluate('bpmnError(123, "")', {}, unknown_functions="null")
    # a qualified call on a non-function is an error in feel-scala too, not a null
    with pytest.raises(FeelEvaluationError, match="not a function"):
        evaluate("{a: 1}.a(2)", {}, unknown_functions="null")


def test_check_still_reports_the_calls_for_forms() -> None:
    assert [p.message for p in check(DOCS_TYPO)] == ["unknown function 'bmpnError'"]
    assert [p.message for p in check('upper case("a", "b")')] == [
        "function 'upper case' takes 1 argument(s), not 2"
    ]


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="'error' or 'null'"):
        evaluate("1", {}, unknown_functions="warn")  # type: ignore[arg-type]
