"""The official FEEL corpus (Camunda's connector element templates) and the feelin bridge.

Shared by the corpus tests and bench/bench_feel.py.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import subprocess
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from connectors.feel import DayTimeDuration, Expression, YearMonthDuration, parse, to_json
from connectors.feel.nodes import (
    ContextNode,
    Filter,
    For,
    FunctionDef,
    Name,
    Node,
    Quantified,
)
from connectors.feel.nodes import Path as PathNode

HERE = Path(__file__).resolve().parent
JS = HERE.parent / "js"
TEMPLATES = JS / "node_modules" / "@camunda" / "connectors-element-templates" / "src"
TEMPLATES = TEMPLATES / "element-templates"
FEELIN_SCRIPT = HERE / "feelin_eval.mjs"
HEADER_KEYS = ("resultExpression", "errorExpression")


def _templates(data: Any) -> list[dict[str, Any]]:
    return [t for t in (data if isinstance(data, list) else [data]) if isinstance(t, dict)]


def corpus_expressions() -> list[str]:
    """Every FEEL expression of the templates (without the leading `=`), one entry per use.

    FEEL are: property values (and defaults, and zeebe:output sources) that start with `=`,
    every resultExpression/errorExpression header value, and the values of properties marked
    `feel: required` (Camunda adds the `=` itself for those).
    """
    found: list[str] = []
    for path in sorted(TEMPLATES.rglob("*.json")):
        for template in _templates(json.loads(path.read_text(encoding="utf-8"))):
            for prop in template.get("properties", []):
                found.extend(_property_expressions(prop))
    return found


def _property_expressions(prop: dict[str, Any]) -> list[str]:
    binding = prop.get("binding") or {}
    found: list[str] = []
    for key in ("value", "default"):
        value = prop.get(key)
        if not isinstance(value, str) or not value:
            continue
        if value.startswith("="):
            found.append(value[1:])
        elif binding.get("key") in HEADER_KEYS or prop.get("feel") == "required":
            found.append(value)
    source = binding.get("source")
    if isinstance(source, str) and source.startswith("="):
        found.append(source[1:])
    return found


def distinct_expressions() -> list[str]:
    return sorted(set(corpus_expressions()))


# -- generated contexts -----------------------------------------------------------------------


def free_paths(expression: Expression) -> dict[str, list[list[str]]]:
    """Root variable names the expression reads, each with the key paths read below it."""
    bound: set[str] = {"item", "partial"}
    for node in expression.root.walk():
        if isinstance(node, ContextNode):
            bound.update(key for key, _ in node.entries)
        elif isinstance(node, For | Quantified):
            bound.update(name for name, _, _ in node.iterations)
        elif isinstance(node, FunctionDef):
            bound.update(node.params)
    paths: dict[str, list[list[str]]] = {}
    inside_paths: set[int] = set()
    for node in expression.root.walk():
        if isinstance(node, PathNode | Filter) and id(node) not in inside_paths:
            chain, target = _chain(node, inside_paths)
            if isinstance(target, Name) and target.name not in bound:
                paths.setdefault(target.name, []).append(chain)
    for node in expression.root.walk():
        free = isinstance(node, Name) and node.name not in bound and node.name not in paths
        if free and not _is_callee(expression.root, node):
            paths[node.name] = [[]]
    return paths


LIST = ""  # marks a filter in a key chain: a list is expected at that level


def _chain(node: Node, seen: set[int]) -> tuple[list[str], Node]:
    keys: list[str] = []
    while isinstance(node, PathNode | Filter):
        seen.add(id(node))
        keys.append(node.key if isinstance(node, PathNode) else LIST)
        node = node.target
    return list(reversed(keys)), node


def _is_callee(root: Node, name: Name) -> bool:
    from connectors.feel.nodes import Call

    return any(isinstance(n, Call) and n.callee is name for n in root.walk())


def _leaf(variant: str, name: str) -> Any:
    if variant == "strings":
        return f"{name}-value"
    if variant == "numbers":
        return 7 if len(name) % 2 else 2.5
    if variant == "booleans":
        return True
    choice = zlib.crc32(name.encode()) % 6
    return ["text", 3, False, None, ["a", "b"], {"key": "k", "value": 1}][choice]


def generated_contexts(expression: Expression) -> list[dict[str, Any]]:
    """Four contexts: nothing defined, and leaves as strings, numbers, booleans or mixed."""
    contexts: list[dict[str, Any]] = [{}]
    for variant in ("strings", "numbers", "booleans", "mixed"):
        context: dict[str, Any] = {}
        for root, chains in free_paths(expression).items():
            for chain in chains:
                context = _merge(context, _build([root, *chain], variant, root))
        contexts.append(context)
    return contexts


def _build(keys: list[str], variant: str, name: str) -> Any:
    if not keys:
        return _leaf(variant, name)
    if keys[0] == LIST:
        return [_build(keys[1:], variant, name)]
    return {keys[0]: _build(keys[1:], variant, keys[0])}


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for key, value in new.items():
            merged[key] = _merge(old[key], value) if key in old else value
        return merged
    if isinstance(old, list) and isinstance(new, list) and old and new:
        return [_merge(old[0], new[0])]
    return old


# -- the reference engine ---------------------------------------------------------------------


def feelin(cases: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Evaluate all cases with feelin in one node process."""
    payload = json.dumps({"cases": [{"expression": e, "context": c} for e, c in cases]})
    completed = subprocess.run(
        ["node", str(FEELIN_SCRIPT)],
        input=payload.encode(),
        capture_output=True,
        check=True,
        timeout=120,
    )
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    return results


def comparable(value: Any) -> Any:
    """Our FEEL result in the JSON form feelin produces (numbers as floats, feel-scala strings
    for durations, which feelin also prints as P1DT2H rather than Java's PT26H)."""
    if isinstance(value, DayTimeDuration | YearMonthDuration):
        return str(value)
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    plain = to_json(value)
    return float(plain) if isinstance(plain, int) and not isinstance(plain, bool) else plain


_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def same_json(ours: Any, theirs: Any) -> bool:
    """Equality with numbers compared as doubles (feelin computes in JavaScript numbers) and
    two `now()` instants equal when they are a minute apart or less."""
    instants = isinstance(ours, str) and isinstance(theirs, str) and _INSTANT.match(ours or "")
    if instants and _INSTANT.match(theirs):
        first = dt.datetime.fromisoformat(ours)
        second = dt.datetime.fromisoformat(theirs)
        return abs((first - second).total_seconds()) < 60
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours is theirs
    if isinstance(ours, int | float | Decimal) and isinstance(theirs, int | float):
        return math.isclose(float(ours), float(theirs), rel_tol=1e-12, abs_tol=1e-300)
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return ours.keys() == theirs.keys() and all(same_json(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(
            same_json(a, b) for a, b in zip(ours, theirs, strict=True)
        )
    return bool(ours == theirs)


def parse_all() -> dict[str, Expression]:
    return {text: parse(text) for text in distinct_expressions()}
