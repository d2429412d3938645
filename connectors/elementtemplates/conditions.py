"""Which properties of a template are active for given values, as the Modeler decides it.

The Modeler keeps the element's XML as the state: a property's value is whatever its binding holds,
a property whose condition is false is removed from the XML, and conditions are re-evaluated until
nothing changes. This module does the same on a dict of stored values keyed by binding, so a
property hidden by a false condition contributes nothing, and neither does anything that depends
on it (`equals`/`oneOf` see no value, `isActive` sees it inactive).
"""

import json
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from .model import AllMatchCondition, Binding, ElementTemplate, Property, SimpleCondition
from .values import from_feel, js_number, should_cast_to_feel

# Chains in the corpus are at most 4 deep; the loop stops earlier when nothing changes.
MAX_PASSES = 32

BindingKey = str
State = Mapping[BindingKey, Any]
_KEYS: dict[int, tuple[weakref.ref[Binding], BindingKey]] = {}


def binding_key(binding: Binding) -> BindingKey:
    """Identity of a binding: two properties with equal bindings write the same XML spot.

    Computed once per Binding object (forms re-evaluate conditions on every change); models
    are treated as read-only once built. The memo lives outside the model so that it never
    takes part in equality or serialisation, and goes when the Binding does.
    """
    ident = id(binding)
    found = _KEYS.get(ident)
    if found is not None and found[0]() is binding:
        return found[1]
    data = binding.to_dict()
    if data.get("type") == "zeebe:taskDefinition:type":  # the deprecated spelling of this one
        data = {**data, "type": "zeebe:taskDefinition", "property": "type"}
    key = json.dumps(data, sort_keys=True)
    _KEYS[ident] = (weakref.ref(binding, lambda _ref: _KEYS.pop(ident, None)), key)
    return key


def is_condition_met(
    prop: Property, properties: Sequence[Property], state: State, *, target_type: str = ""
) -> bool:
    """Whether `prop` is shown and written, given the values the element currently holds."""
    return _met(prop, _by_id(properties), state, target_type, depth=0)


def _by_id(properties: Sequence[Property]) -> Mapping[str, Property]:
    """Property by id; with repeated ids the first one wins, as a linear search would find."""
    index: dict[str, Property] = {}
    for prop in properties:
        if prop.id is not None:
            index.setdefault(prop.id, prop)
    return index


def _met(
    prop: Property, properties: Mapping[str, Property], state: State, target: str, depth: int
) -> bool:
    if not _allowed(prop, target):
        return False
    condition = prop.condition
    if condition is None:
        return True
    if depth > MAX_PASSES:  # a cycle of isActive conditions: treat as not met
        return False
    if isinstance(condition, AllMatchCondition):
        return all(_simple(c, properties, state, target, depth) for c in condition.all_match)
    return _simple(condition, properties, state, target, depth)


def _allowed(prop: Property, target: str) -> bool:
    # A top-level start event has no correlation key; the Modeler never writes one there.
    binding = prop.binding
    return not (
        binding.type == "bpmn:Message#zeebe:subscription#property"
        and binding.name == "correlationKey"
        and target == "bpmn:StartEvent"
    )


def _simple(
    condition: SimpleCondition,
    properties: Mapping[str, Property],
    state: State,
    target: str,
    depth: int,
) -> bool:
    related = properties.get(condition.property)
    if condition.is_active is not None:
        if related is None:
            return not condition.is_active
        active = _met(related, properties, state, target, depth + 1)
        return active if condition.is_active else not active
    if related is None:
        return False
    value = state.get(binding_key(related.binding))
    if condition.is_empty is not None:
        empty = value is None or value == ""
        return empty if condition.is_empty else not empty
    if "equals" in condition.model_fields_set:
        return _equal(related, value, condition.equals)
    if condition.one_of:
        return any(_equal(related, value, option) for option in condition.one_of)
    return False


def _equal(prop: Property, stored: Any, expected: Any) -> bool:
    value = from_feel(stored, prop.type) if should_cast_to_feel(prop) else stored
    if value is None:
        return False
    if isinstance(expected, str) and expected.strip().startswith("="):
        expected = from_feel(expected, prop.type)
    if prop.type == "Number":
        return js_number(value) == js_number(expected)
    return _same(value, expected)


def _same(left: Any, right: Any) -> bool:
    # JavaScript's ===: no equality between booleans and numbers, 1 === 1.0.
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    return type(left) is type(right) and left == right


def active_in(
    template: ElementTemplate, state: State, properties: Sequence[Property] | None = None
) -> list[Property]:
    """The properties whose conditions hold for `state`, in template order."""
    props = template.properties if properties is None else properties
    target = template.target_type
    index = _by_id(props)
    return [p for p in props if _met(p, index, state, target, 0)]
