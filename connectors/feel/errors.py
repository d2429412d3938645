"""Errors of the FEEL package; every one says what went wrong and, where known, where."""

from __future__ import annotations

from dataclasses import dataclass


class FeelError(Exception):
    """Base class of everything this package raises on bad input."""


class FeelSyntaxError(FeelError):
    """The text is not a FEEL expression; `line`/`column` are 1-based."""

    def __init__(
        self,
        message: str,
        *,
        line: int = 1,
        column: int = 1,
        expected: tuple[str, ...] = (),
    ) -> None:
        self.message = message
        self.line = line
        self.column = column
        self.expected = expected
        super().__init__(f"{message} (line {line}, column {column})")


class FeelEvaluationError(FeelError):
    """Evaluation cannot go on: unknown function, wrong arguments, a guard limit was hit."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of `check()`, meant for a form field's error list."""

    message: str
    line: int
    column: int
