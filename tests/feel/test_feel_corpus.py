"""Every FEEL expression of Camunda's connector templates parses and agrees with feelin.

feelin (bpmn.io's FEEL interpreter, npm) runs all cases in one node process. Where feelin and
feel-scala (Camunda's engine) disagree we follow feel-scala; those expressions are listed in
KNOWN_DIFFERENCES with the reason, and docs/feel.md explains each.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from feel_corpus import (
    comparable,
    corpus_expressions,
    distinct_expressions,
    feelin,
    generated_contexts,
    parse_all,
    same_json,
)

from connectors.feel import FeelError, check, evaluate, parse

# expression prefix -> why our (feel-scala's) result differs from feelin's
KNOWN_DIFFERENCES = {
    '"You are **TaskAgent**, a helpful, generic chat agent': (
        "feelin cannot tokenize this long multi-line string literal; feel-scala and we can"
    ),
    'context(get entries({"messages": if chatCompletion_messages = null': (
        "append() on a non-list: feel-scala returns null, feelin treats it as a one-item list"
    ),
    "if isBase64Encoded then content else": (
        "a non-boolean `if` condition: feel-scala takes the else branch, feelin tests truthiness"
    ),
    '{"$Filter":"Id eq "+string(itemId)}': (
        'string() of a context: feel-scala prints {key:"k", value:1}, feelin {key: "k", value: 1}'
    ),
}


def _known(expression: str) -> bool:
    return any(expression.startswith(prefix) for prefix in KNOWN_DIFFERENCES)


def test_the_corpus_is_the_one_the_issue_measured() -> None:
    assert len(corpus_expressions()) > 2_300
    assert 300 <= len(distinct_expressions()) <= 330


def test_every_distinct_corpus_expression_parses_and_checks_clean() -> None:
    failures = {text: check(text) for text in distinct_expressions()}
    assert {text: problems for text, problems in failures.items() if problems} == {}


@pytest.fixture(scope="module")
def comparison() -> list[tuple[str, dict[str, Any], Any, dict[str, Any]]]:
    # The reference engine is part of the suite, not optional: `make test` installs it.
    assert shutil.which("node"), "node is not installed; the feelin comparison needs it"
    cases = [
        (text, context)
        for text, expression in parse_all().items()
        for context in generated_contexts(expression)
    ]
    reference = feelin(cases)
    rows = []
    for (text, context), theirs in zip(cases, reference, strict=True):
        try:
            ours: Any = comparable(evaluate(text, context))
        except FeelError as error:
            ours = f"error: {error}"
        rows.append((text, context, ours, theirs))
    return rows


def test_corpus_evaluates_like_feelin(
    comparison: list[tuple[str, dict[str, Any], Any, dict[str, Any]]],
) -> None:
    assert len(comparison) >= 1_500
    mismatches = [
        (text[:80], context, ours, theirs)
        for text, context, ours, theirs in comparison
        if not _known(text) and ("value" not in theirs or not same_json(ours, theirs["value"]))
    ]
    assert mismatches == []


def test_every_known_difference_is_still_real(
    comparison: list[tuple[str, dict[str, Any], Any, dict[str, Any]]],
) -> None:
    differing = {
        prefix
        for text, _, ours, theirs in comparison
        for prefix in KNOWN_DIFFERENCES
        if text.startswith(prefix)
        and ("value" not in theirs or not same_json(ours, theirs["value"]))
    }
    assert differing == set(KNOWN_DIFFERENCES)


def test_rest_default_result_expression_maps_the_body() -> None:
    text = next(t for t in distinct_expressions() if t.startswith("{\n  myResponseBody:"))
    response = {"body": {"order": {"id": "123"}}, "status": 200, "headers": {}}
    assert evaluate(parse(text), {"response": response}) == {
        "myResponseBody": {"order": {"id": "123"}}
    }
