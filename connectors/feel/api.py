"""The entry points the rest of ConnectorHub calls: evaluate() and check()."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from .builtins import base_functions, per_evaluation_functions
from .connector_functions import checked_only_functions, connector_functions
from .errors import FeelEvaluationError, FeelSyntaxError, Problem
from .nodes import ContextNode, Env, FunctionDef, RootVariables, Scope
from .parser import Expression, parse
from .values import FeelFunction

DEFAULT_MAX_STEPS = 1_000_000

_FUNCTIONS: dict[str, FeelFunction] = {**base_functions(), **connector_functions()}
# known to check() (a result expression's form field), left out of evaluations' table
_CHECKED_ONLY = checked_only_functions()
_PER_EVALUATION = per_evaluation_functions()
# signatures of the built-ins that are made per evaluation (they need its clock or env)
_ENV_SIGNATURES: dict[str, FeelFunction] = {name: t for name, (t, _) in _PER_EVALUATION.items()}
# the table every evaluation shares, built once: env-bound built-ins appear as templates that
# Env.function binds on first use; later entries win, as the per-call merge did
_TABLE: dict[str, FeelFunction] = {**_FUNCTIONS, **_ENV_SIGNATURES}
_BINDERS: dict[FeelFunction, Callable[[Env], FeelFunction]] = {
    template: factory for template, factory in _PER_EVALUATION.values()
}


UnknownFunctions = Literal["error", "null"]


def evaluate(
    expr: Expression | str,
    context: Mapping[str, Any] | None = None,
    *,
    functions: Mapping[str, FeelFunction] | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
    unknown_functions: UnknownFunctions = "error",
    warnings: list[Problem] | None = None,
    time_limit: float | None = None,
) -> Any:
    """Evaluate a FEEL expression (or text, parsed through the cache) against variables.

    `context` holds JSON-ish Python values (int and float become Decimal). The result uses
    Decimal for numbers, dict for contexts and the temporal types of `values`. `functions`
    adds or overrides functions by name (e.g. a runtime's own `createDocument`).

    A call no function accepts (an unknown name, an argument count or parameter names no
    overload takes) raises FeelEvaluationError with `unknown_functions="error"`, the default:
    the hub reports a typo. With `"null"` the call gives null, as feel-scala (Camunda's engine,
    since 1.17) does, and a Problem naming the call is appended to `warnings` when given.
    `time_limit` (seconds) bounds the evaluation's wall-clock time besides its steps.
    Raises FeelSyntaxError for bad text and FeelEvaluationError for an exhausted guard.
    """
    if unknown_functions not in ("error", "null"):
        raise ValueError(f"unknown_functions must be 'error' or 'null', not {unknown_functions!r}")
    expression = parse(expr) if isinstance(expr, str) else expr
    if not isinstance(expression, Expression):
        raise FeelEvaluationError(f"cannot evaluate a {type(expr).__name__}; pass text")
    if context is not None and not isinstance(context, Mapping):
        raise FeelEvaluationError(
            f"the context must be a mapping of variable names, not {type(context).__name__}"
        )
    env = Env(
        _TABLE,
        max_steps,
        null_calls=unknown_functions == "null",
        warnings=warnings,
        overrides=functions,
        per_evaluation=_BINDERS,
        time_limit=time_limit,
    )
    scope = Scope(RootVariables(context or {}))
    try:
        return expression.root.ev(scope, env)
    except RecursionError:
        # the parse-time depth guard should prevent this; recursive FEEL functions can still
        raise FeelEvaluationError("evaluation nested too deeply") from None


def check(text: str) -> list[Problem]:
    """Problems a form should show for a FEEL field: syntax errors, then call mistakes."""
    try:
        expression = parse(text)
    except FeelSyntaxError as error:
        return [Problem(error.message, error.line, error.column)]
    return _call_problems(expression)


def _call_problems(expression: Expression) -> list[Problem]:
    defined = _names_defined_in(expression)
    problems: list[Problem] = []
    for call in expression.function_calls():
        name = call.function_name()
        if name is None or name in defined:
            continue
        function = _FUNCTIONS.get(name) or _ENV_SIGNATURES.get(name) or _CHECKED_ONLY.get(name)
        line, column = call.pos
        if function is None:
            problems.append(Problem(f"unknown function '{name}'", line, column))
            continue
        count = len(call.args) if call.named is None else None
        if count is not None and (
            count < function.required or (not function.variadic and count > len(function.params))
        ):
            problems.append(
                Problem(
                    f"function '{name}' takes {_arity_text(function)}, not {count}", line, column
                )
            )
    return problems


def _arity_text(function: FeelFunction) -> str:
    low, high = function.required, len(function.params)
    if function.variadic:
        return f"at least {low} argument(s)"
    if low == high:
        return f"{low} argument(s)"
    return f"{low} to {high} arguments"


def _names_defined_in(expression: Expression) -> set[str]:
    """Context keys and parameters, which may hold user-defined functions."""
    names: set[str] = set()
    for node in expression.root.walk():
        if isinstance(node, ContextNode):
            names.update(key for key, _ in node.entries)
        elif isinstance(node, FunctionDef):
            names.update(node.params)
    return names


__all__ = ["DEFAULT_MAX_STEPS", "UnknownFunctions", "check", "evaluate"]
