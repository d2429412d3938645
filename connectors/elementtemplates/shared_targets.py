"""Properties that write the same place: a hub rule (`duplicate-binding`, an error) and its
warning (`shared-binding`), beside the Modeler's loader rules in `rules.py`.

Two properties bound to the same target (the same zeebe:input, task header, zeebe:property,
task definition field...) both write it when both are active, and the later one wins: a
Hidden property placed after the field a user fills in silently replaces what she typed (a
URL her bearer token is then sent to). So a template where that can happen is refused, unless
their conditions keep them apart. Camunda's own templates share targets all the time, but
behind conditions that exclude each other (different `equals`/`oneOf` values of one property,
`isActive` true and false, `isEmpty` true and false, also through the conditions of the
properties those depend on). The few overlaps the official corpus does have are kept as
warnings: two Hidden values (the template alone decides; the user sees neither) or two plain
fields without defaults (the user sees and fills both). A Hidden property with neither value
nor generatedValue writes nothing of its own and is left out.
"""

import json
import math
from collections.abc import Iterator
from typing import Any

from .values import js_number

Finding = tuple[str, str, str]  # (rule, JSON pointer, message), as in rules.py

RULE_DUPLICATE_BINDING = "duplicate-binding"
WARN_SHARED_BINDING = "shared-binding"

# Bindings that add one element per property (listeners) or write no value at all.
_NOT_A_TARGET = frozenset({"zeebe:executionListener", "zeebe:taskListener", "zeebe:userTask"})
_TARGET_FIELDS = ("name", "key", "source", "property", "linkName")

Target = tuple[str, tuple[tuple[str, object], ...]]
# (kind, subject, detail): "values" (state key, allowed values), "empty" (state key, bool),
# "active" (property index, bool), "never" (a condition that can never hold).
Fact = tuple[str, object, object]


def duplicate_bindings(template: dict[str, Any]) -> Iterator[Finding]:
    """Errors: a value the template fixes may replace another property's on the same target."""
    for first, second, target, blocking in _competing(template):
        if blocking:
            yield (
                RULE_DUPLICATE_BINDING,
                f"/properties/{second}/binding",
                f"/properties/{first} and /properties/{second} both write {target} and no "
                "condition keeps them apart, so the later one silently replaces the other's "
                "value; bind them to different targets, or give them conditions that exclude "
                "each other (such as different values of one property)",
            )


def shared_bindings(template: dict[str, Any]) -> Iterator[Finding]:
    for first, second, target, blocking in _competing(template):
        if not blocking:
            yield (
                WARN_SHARED_BINDING,
                f"/properties/{second}/binding",
                f"/properties/{first} and /properties/{second} both write {target} and can be "
                "active together; the later one wins",
            )


def _competing(template: dict[str, Any]) -> Iterator[tuple[int, int, str, bool]]:
    """(earlier index, later index, target, blocking) of properties that may both write."""
    properties = template.get("properties")
    listed = properties if isinstance(properties, list) else []
    indexed = [(index, prop) for index, prop in enumerate(listed) if isinstance(prop, dict)]
    props = dict(indexed)
    candidates = [
        (index, target)
        for index, prop in indexed
        if (target := _target(prop.get("binding"))) is not None and not _writes_nothing(prop)
    ]
    by_id: dict[str, int] = {}
    for index, prop in indexed:
        if isinstance(prop.get("id"), str):
            by_id.setdefault(prop["id"], index)
    facts: dict[int, list[Fact]] = {}
    for (first, one), (second, other) in _pairs(candidates):
        if not _overlap(one, other):
            continue
        for index in (first, second):
            if index not in facts:
                facts[index] = _implied(index, props, by_id, frozenset())
        if _exclusive(facts[first], facts[second]):
            continue
        a, b = props[first], props[second]
        both_hidden = a.get("type") == "Hidden" and b.get("type") == "Hidden"
        # (A Hidden property that writes something is fixed: the ones writing nothing are out.)
        both_plain_fields = not (_fixed(a) or _fixed(b))
        yield first, second, _describe(one, other), not (both_hidden or both_plain_fields)


def _pairs(candidates: list[tuple[int, Target]]) -> Iterator[tuple[Any, Any]]:
    """Pairs that may overlap (`_overlap`), in the order of a plain walk over each binding type's
    candidates. Only candidates of one spot are paired (for inputs: of one first name segment,
    which `auth` and `auth.token` share): an HTTP template's hundred inputs made 5,000 pairs."""
    kinds: dict[str, int] = {}
    spots: dict[tuple[str, Any], list[tuple[int, Target]]] = {}
    for candidate in candidates:
        kinds.setdefault(candidate[1][0], len(kinds))
        spots.setdefault(_spot(candidate[1]), []).append(candidate)
    pairs = [
        (one, other)
        for group in spots.values()
        for position, one in enumerate(group)
        for other in group[position + 1 :]
    ]
    pairs.sort(key=lambda pair: (kinds[pair[0][1][0]], pair[0][0], pair[1][0]))
    yield from pairs


_UNHASHABLE = object()


def _spot(target: Target) -> tuple[str, Any]:
    """What two overlapping targets have in common: the whole target, or for an input whose
    name is text the name's first dotted segment."""
    if target[0] == "zeebe:input":
        name = dict(target[1]).get("name")
        if isinstance(name, str):
            return target[0], name.split(".", 1)[0]
    try:
        hash(target[1])
    except TypeError:  # a list or object where a name belongs: equal only to its own kind
        return target[0], _UNHASHABLE
    return target[0], target[1]


def _target(binding: object) -> Target | None:
    """What a binding writes: its type and the fields naming the spot (other keys ignored)."""
    if not isinstance(binding, dict) or not isinstance(binding.get("type"), str):
        return None
    kind = binding["type"]
    if kind in _NOT_A_TARGET:
        return None
    if kind == "zeebe:taskDefinition:type":  # the deprecated spelling of this one
        return "zeebe:taskDefinition", (("property", "type"),)
    return kind, tuple((f, binding[f]) for f in _TARGET_FIELDS if f in binding)


def _overlap(one: Target, other: Target) -> bool:
    """The same spot; for inputs also a dotted path inside another (`auth` and `auth.token`):
    Zeebe applies input mappings in order, so a later `auth` replaces `auth.token`."""
    if one == other:
        return True
    if one[0] != "zeebe:input" or other[0] != "zeebe:input":
        return False
    found = (dict(one[1]).get("name"), dict(other[1]).get("name"))
    names = [name for name in found if isinstance(name, str)]
    if len(names) != 2:
        return False
    left, right = sorted(names, key=len)
    return right.startswith(f"{left}.")


def _describe(one: Target, other: Target) -> str:
    """`zeebe:input "url"`, `zeebe:input "auth" and "auth.token"`, `zeebe:taskDefinition type`."""

    def spot(target: Target) -> str:
        return " ".join(
            f'"{value}"' if field in ("name", "key", "source") else f"{field} {value}"
            for field, value in target[1]
        )

    named = spot(one) if one == other else f"{spot(one)} and {spot(other)}"
    return f"{one[0]} {named}".strip()


def _writes_nothing(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "Hidden" and "value" not in prop and "generatedValue" not in prop


def _fixed(prop: dict[str, Any]) -> bool:
    """The template sets a value (a default, a Hidden value, a generated one)."""
    return "value" in prop or "generatedValue" in prop or prop.get("editable") is False


def _exclusive(one: list[Fact], other: list[Fact]) -> bool:
    """Whether two sets of facts, each implied by a property being active, contradict."""
    if any(kind == "never" for kind, _, _ in one + other):
        return True
    return any(left[1] == right[1] and _contradict(left, right) for left in one for right in other)


def _contradict(left: Fact, right: Fact) -> bool:
    kinds = {left[0], right[0]}
    if kinds in ({"active"}, {"empty"}):
        return left[2] != right[2]
    if kinds == {"values"}:
        return not (left[2] & right[2])  # type: ignore[operator]
    if kinds == {"values", "empty"}:
        values, empty = (left, right) if left[0] == "values" else (right, left)
        # Only when no allowed value could be an empty one ("" is 0 to a Number, true to a
        # FEEL Boolean).
        return empty[2] is True and all(
            kind == "s" and value != ""
            for kind, value in values[2]  # type: ignore[attr-defined]
        )
    return False


def _implied(
    index: int, props: dict[int, dict[str, Any]], by_id: dict[str, int], seen: frozenset[int]
) -> list[Fact]:
    """What must hold while property INDEX is active, as the hub and the Modeler evaluate
    conditions (see conditions.py): its own tests, and those of properties it needs active."""
    found: list[Fact] = [("active", index, True)]
    if index in seen or len(seen) > 32:
        return found
    condition = props[index].get("condition")
    if not isinstance(condition, dict):
        return found
    all_match = condition.get("allMatch")
    for simple in all_match if isinstance(all_match, list) else [condition]:
        if not isinstance(simple, dict):
            continue
        fact = _fact(simple, props, by_id)
        if fact is None:
            continue
        found.append(fact)
        if fact[0] == "active" and fact[2] is True:
            found.extend(_implied(fact[1], props, by_id, seen | {index}))  # type: ignore[arg-type]
    return found


def _fact(
    simple: dict[str, Any], props: dict[int, dict[str, Any]], by_id: dict[str, int]
) -> Fact | None:
    """One simple condition as a fact; None when it restricts nothing we reason about."""
    related = by_id.get(simple.get("property"))  # type: ignore[arg-type]
    if simple.get("isActive") is not None:
        if related is None:  # a missing property is never active
            return ("never", None, None) if simple["isActive"] else None
        return "active", related, bool(simple["isActive"])
    if related is None:
        return "never", None, None
    tested = props[related]
    key = _state_key(tested.get("binding"))
    if simple.get("isEmpty") is not None:
        return "empty", key, bool(simple["isEmpty"])
    options: list[Any]
    if "equals" in simple:
        options = [simple["equals"]] if simple["equals"] is not None else []
    else:
        one_of = simple.get("oneOf")
        options = one_of if isinstance(one_of, list) else []
    if not options:
        return "never", None, None
    return "values", key, frozenset(_comparable(v, tested.get("type")) for v in options)


def _state_key(binding: object) -> str:
    """Where conditions read a property's value: its whole binding (conditions.binding_key)."""
    data = dict(binding) if isinstance(binding, dict) else {}
    if data.get("type") == "zeebe:taskDefinition:type":
        data = {**data, "type": "zeebe:taskDefinition", "property": "type"}
    return json.dumps(data, sort_keys=True)


def _comparable(expected: object, prop_type: object) -> tuple[str, object]:
    """An expected value as conditions compare it (values.from_feel, JavaScript's ===):
    two expected values that one stored value could both match come out equal."""
    if prop_type == "Number":
        text = expected[1:] if isinstance(expected, str) and expected.startswith("=") else expected
        number = js_number(text)
        return ("n", number) if not math.isnan(number) else ("nan", id(expected))
    if isinstance(expected, str) and expected.startswith("="):
        expected = expected[1:] != "false" if prop_type == "Boolean" else expected[1:]
    if isinstance(expected, bool):
        return "b", expected
    if isinstance(expected, int | float):
        return "n", float(expected)
    if isinstance(expected, str):
        return "s", expected
    return "json", json.dumps(expected, sort_keys=True)
