"""FEEL (Friendly Enough Expression Language) for ConnectorHub, in pure Python on lark.

    parse(text) -> Expression            cached; the text has no leading "="
    evaluate(expr_or_text, context)      FEEL values out (Decimal numbers, dicts, lists, ...);
                                         unknown_functions="null" behaves as Camunda's engine
    to_json(value)                       what Camunda's runtime hands back as variables
    check(text) -> list[Problem]         syntax and call problems for a form field

See docs/feel.md for the supported language, the connector functions and the deliberate
differences from feel-scala and feelin.
"""

from __future__ import annotations

from .api import DEFAULT_MAX_STEPS, UnknownFunctions, check, evaluate
from .errors import FeelError, FeelEvaluationError, FeelSyntaxError, Problem
from .parser import MAX_DEPTH, MAX_EXPRESSION_LENGTH, Expression, parse, parse_uncached
from .values import DayTimeDuration, FeelFunction, Range, YearMonthDuration, to_json

__all__ = [
    "DEFAULT_MAX_STEPS",
    "MAX_DEPTH",
    "MAX_EXPRESSION_LENGTH",
    "DayTimeDuration",
    "Expression",
    "FeelError",
    "FeelEvaluationError",
    "FeelFunction",
    "FeelSyntaxError",
    "Problem",
    "Range",
    "UnknownFunctions",
    "YearMonthDuration",
    "check",
    "evaluate",
    "parse",
    "parse_uncached",
    "to_json",
]
