"""The FEEL syntax tree and its evaluation.

Each node evaluates itself against a `Scope` (the variables in sight) and an `Env` (per-evaluation
state: the step budget, the functions, the clock). Type mismatches give null, as in feel-scala;
only unknown functions, wrong argument counts and exhausted limits raise.
"""

from __future__ import annotations

import datetime as dt
import decimal
import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from .errors import FeelEvaluationError, Problem
from .values import (
    DECIMAL_CONTEXT,
    DayTimeDuration,
    FeelFunction,
    Range,
    YearMonthDuration,
    feel_compare,
    feel_equals,
    normalize,
    parse_temporal,
    type_name,
)

MAX_STRING_LENGTH = 10_000_000
MAX_LIST_LENGTH = 1_000_000
MAX_CALL_DEPTH = 64

_MISSING = object()


class Scope:
    """A chain of variable layers; the innermost layer is searched first."""

    __slots__ = ("parent", "vars")

    def __init__(self, variables: Mapping[str, Any], parent: Scope | None = None) -> None:
        self.vars = variables
        self.parent = parent

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            value = scope.vars.get(name, _MISSING)
            if value is not _MISSING:
                return value
            scope = scope.parent
        return _MISSING

    def lookup_member(self, name: str, key: str) -> Any:
        """`name.key`, converting only that member when `name` is one of the caller's
        variables (a connector's result expression reads `response.body`, not the headers)."""
        scope: Scope | None = self
        while scope is not None:
            layer = scope.vars
            if type(layer) is RootVariables:
                return layer.member(name, key)
            value = layer.get(name, _MISSING)
            if value is not _MISSING:
                return get_property(value, key)
            scope = scope.parent
        return _MISSING


class RootVariables(Mapping[str, Any]):
    """The caller's context, normalised to FEEL values on first access of each variable.

    Only variables the expression reads are converted, so a large unrelated variable costs
    nothing.
    """

    __slots__ = ("_cache", "_members", "_raw")

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = raw
        self._cache: dict[str, Any] = {}
        # members converted on their own: name -> {key: FEEL value}
        self._members: dict[str, dict[str, Any]] = {}

    def get(self, key: str, default: Any = None) -> Any:
        if key in self._cache:
            return self._cache[key]
        value = self._raw.get(key, _MISSING)
        if value is _MISSING:
            return default
        members = self._members.get(key)
        if members:
            # reuse the members already converted, so `a.b` and `a` share the same values
            converted = {k: members[k] if k in members else normalize(v) for k, v in value.items()}
        else:
            converted = normalize(value)
        self._cache[key] = converted
        return converted

    def member(self, name: str, key: str) -> Any:
        """`name.key` for a caller's variable; _MISSING when there is no such variable."""
        if name not in self._cache:
            raw = self._raw.get(name, _MISSING)
            if raw is _MISSING:
                return _MISSING
            # a plain dict with string keys converts entry by entry; anything else (a list
            # projects, other keys are spelled as JSON does) takes the whole conversion
            if type(raw) is dict and all(type(k) is str for k in raw):
                members = self._members.setdefault(name, {})
                if key in members:
                    return members[key]
                if key not in raw:
                    return None
                converted = members[key] = normalize(raw[key])
                return converted
        return get_property(self.get(name), key)

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


# how many steps pass between two looks at the clock (a step takes about 2 µs)
_CLOCK_EVERY = 256


class Env:
    """Per-evaluation state: the step budget, function table, a fixed `now()` and what to do
    with a call no function accepts (raise, or null plus a warning as feel-scala does).

    `functions` is the shared built-in table, built once. `overrides` (the caller's own
    functions) win over it. Built-ins that need this env (its clock, or calling back into the
    evaluator) sit in the table as templates: `per_evaluation` maps each template to a factory,
    and the bound function is made on first use, so an evaluation that calls none makes none.
    """

    __slots__ = (
        "_bound",
        "_clock_check",
        "call_depth",
        "deadline",
        "functions",
        "max_steps",
        "now",
        "null_calls",
        "overrides",
        "per_evaluation",
        "steps",
        "warnings",
    )

    def __init__(
        self,
        functions: Mapping[str, FeelFunction],
        max_steps: int,
        *,
        null_calls: bool = False,
        warnings: list[Problem] | None = None,
        overrides: Mapping[str, FeelFunction] | None = None,
        per_evaluation: Mapping[FeelFunction, Callable[[Env], FeelFunction]] | None = None,
        time_limit: float | None = None,
    ) -> None:
        self.functions = functions
        self.overrides = overrides
        self.per_evaluation = per_evaluation
        self._bound: dict[str, FeelFunction] | None = None
        self.max_steps = max_steps
        self.steps = 0
        # a wall-clock bound besides the steps: one step may be costly (a big string, a regex)
        self.deadline = None if time_limit is None else time.monotonic() + time_limit
        self._clock_check = max_steps + 1 if time_limit is None else _CLOCK_EVERY
        self.call_depth = 0
        self.now: dt.datetime | None = None
        self.null_calls = null_calls
        self.warnings = warnings

    def function(self, name: str) -> FeelFunction | None:
        """The function a bare name calls: the caller's override, else the built-in."""
        # `name in` rather than get(): an override mapped to None still hides the built-in
        if self.overrides and name in self.overrides:
            return self.overrides[name]
        function = self.functions.get(name)
        if function is None or not self.per_evaluation:
            return function
        factory = self.per_evaluation.get(function)
        if factory is None:
            return function
        # one bound function per name and evaluation, so `now = now` stays true
        if self._bound is None:
            self._bound = {}
        bound = self._bound.get(name)
        if bound is None:
            bound = self._bound[name] = factory(self)
        return bound

    def no_function(self, message: str, pos: tuple[int, int]) -> None:
        """A call no function accepts: an error, or (feel-scala's way) null and a warning."""
        if not self.null_calls:
            raise FeelEvaluationError(f"{message} (line {pos[0]}, column {pos[1]})")
        if self.warnings is not None:
            self.warnings.append(Problem(f"{message}; the call gives null", pos[0], pos[1]))

    def tick(self, count: int = 1) -> None:
        self.steps += count
        if self.steps >= self._clock_check:
            self._check_clock()
        if self.steps > self.max_steps:
            raise FeelEvaluationError(
                f"evaluation exceeded {self.max_steps} steps; the expression loops too long"
            )

    def _check_clock(self) -> None:
        """Every _CLOCK_EVERY steps: raise once the evaluation ran past its deadline."""
        self._clock_check = self.steps + _CLOCK_EVERY
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise FeelEvaluationError("evaluation ran past its time limit and was stopped")


class Node:
    """A syntax-tree node; `pos` is the (line, column) where it starts."""

    __slots__ = ("depth", "pos")
    depth: int
    pos: tuple[int, int]

    def __init__(self, pos: tuple[int, int], *children: Node | None) -> None:
        self.pos = pos
        self.depth = 1 + max((c.depth for c in children if c is not None), default=0)

    def ev(self, scope: Scope, env: Env) -> Any:
        raise NotImplementedError

    def walk(self) -> Iterator[Node]:
        yield self


# -- literals and names ---------------------------------------------------------------------


class Const(Node):
    __slots__ = ("value",)

    def __init__(self, pos: tuple[int, int], value: Any) -> None:
        super().__init__(pos)
        self.value = value

    def ev(self, scope: Scope, env: Env) -> Any:
        return self.value


class Temporal(Node):
    __slots__ = ("text",)

    def __init__(self, pos: tuple[int, int], text: str) -> None:
        super().__init__(pos)
        self.text = text

    def ev(self, scope: Scope, env: Env) -> Any:
        return parse_temporal(self.text)


class Name(Node):
    __slots__ = ("name",)

    def __init__(self, pos: tuple[int, int], name: str) -> None:
        super().__init__(pos)
        self.name = name

    def ev(self, scope: Scope, env: Env) -> Any:
        value = scope.lookup(self.name)
        if value is _MISSING:
            # FEEL: an unknown variable is null (feel-scala adds a warning, nothing fails)
            function = env.function(self.name)
            return function
        return value


class ListNode(Node):
    __slots__ = ("items",)

    def __init__(self, pos: tuple[int, int], items: list[Node]) -> None:
        super().__init__(pos, *items)
        self.items = items

    def ev(self, scope: Scope, env: Env) -> Any:
        env.tick()
        return [item.ev(scope, env) for item in self.items]

    def walk(self) -> Iterator[Node]:
        yield self
        for item in self.items:
            yield from item.walk()


class ContextNode(Node):
    """`{a: 1, b: a + 1}`: each entry sees the entries before it."""

    __slots__ = ("entries",)

    def __init__(self, pos: tuple[int, int], entries: list[tuple[str, Node]]) -> None:
        super().__init__(pos, *(node for _, node in entries))
        self.entries = entries

    def ev(self, scope: Scope, env: Env) -> Any:
        env.tick()
        result: dict[str, Any] = {}
        inner = Scope(result, scope)
        for key, node in self.entries:
            result[key] = node.ev(inner, env)
        return result

    def walk(self) -> Iterator[Node]:
        yield self
        for _, node in self.entries:
            yield from node.walk()


class RangeNode(Node):
    __slots__ = ("end", "end_included", "start", "start_included")

    def __init__(
        self, pos: tuple[int, int], start: Node, end: Node, start_in: bool, end_in: bool
    ) -> None:
        super().__init__(pos, start, end)
        self.start, self.end = start, end
        self.start_included, self.end_included = start_in, end_in

    def ev(self, scope: Scope, env: Env) -> Any:
        return Range(
            self.start.ev(scope, env),
            self.end.ev(scope, env),
            self.start_included,
            self.end_included,
        )

    def walk(self) -> Iterator[Node]:
        yield self
        yield from self.start.walk()
        yield from self.end.walk()


# -- operators ------------------------------------------------------------------------------


class Chain(Node):
    """Operands joined by one precedence level of left-associative operators (`a + b - c`,
    `a and b and c`).

    The parser extends a chain in place instead of nesting binary nodes, so a long flat
    expression is one level deep and evaluates in a loop: only real nesting counts towards
    MAX_DEPTH and the recursion of evaluation.
    """

    __slots__ = ("group", "operands", "ops")

    def __init__(
        self, pos: tuple[int, int], group: str, operands: list[Node], ops: list[str]
    ) -> None:
        super().__init__(pos, *operands)
        self.group, self.operands, self.ops = group, operands, ops

    def extend(self, op: str, operand: Node) -> None:
        self.ops.append(op)
        self.operands.append(operand)
        self.depth = max(self.depth, 1 + operand.depth)

    def walk(self) -> Iterator[Node]:
        yield self
        for operand in self.operands:
            yield from operand.walk()


class Arith(Chain):
    """`+ -`, `* /` or `**`: one chain per precedence level."""

    __slots__ = ()

    def ev(self, scope: Scope, env: Env) -> Any:
        value = self.operands[0].ev(scope, env)
        for op, operand in zip(self.ops, self.operands[1:], strict=True):
            env.tick()
            value = arithmetic(op, value, operand.ev(scope, env))
        return value


class And(Chain):
    """Three-valued `and`: false wins, then null; non-booleans count as null."""

    __slots__ = ()

    def ev(self, scope: Scope, env: Env) -> Any:
        all_true = True
        for operand in self.operands:
            env.tick()
            value = operand.ev(scope, env)
            if value is False:
                return False
            all_true = all_true and value is True
        return True if all_true else None


class Or(Chain):
    """Three-valued `or`: true wins, then null; non-booleans count as null."""

    __slots__ = ()

    def ev(self, scope: Scope, env: Env) -> Any:
        all_false = True
        for operand in self.operands:
            env.tick()
            value = operand.ev(scope, env)
            if value is True:
                return True
            all_false = all_false and value is False
        return False if all_false else None


class Compare(Node):
    """`a < b`: comparisons do not chain in FEEL."""

    __slots__ = ("left", "op", "right")

    def __init__(self, pos: tuple[int, int], op: str, left: Node, right: Node) -> None:
        super().__init__(pos, left, right)
        self.op, self.left, self.right = op, left, right

    def ev(self, scope: Scope, env: Env) -> Any:
        env.tick()
        return compare(self.op, self.left.ev(scope, env), self.right.ev(scope, env))

    def walk(self) -> Iterator[Node]:
        yield self
        yield from self.left.walk()
        yield from self.right.walk()


class Negate(Node):
    __slots__ = ("operand",)

    def __init__(self, pos: tuple[int, int], operand: Node) -> None:
        super().__init__(pos, operand)
        self.operand = operand

    def ev(self, scope: Scope, env: Env) -> Any:
        value = self.operand.ev(scope, env)
        if type(value) is Decimal:
            return -value
        if isinstance(value, DayTimeDuration):
            return DayTimeDuration(-value.microseconds)
        if isinstance(value, YearMonthDuration):
            return YearMonthDuration(-value.months)
        return None

    def walk(self) -> Iterator[Node]:
        yield self
        yield from self.operand.walk()


class Between(Node):
    __slots__ = ("high", "low", "value")

    def __init__(self, pos: tuple[int, int], value: Node, low: Node, high: Node) -> None:
        super().__init__(pos, value, low, high)
        self.value, self.low, self.high = value, low, high

    def ev(self, scope: Scope, env: Env) -> Any:
        env.tick()
        value = self.value.ev(scope, env)
        low = feel_compare(self.low.ev(scope, env), value)
        high = feel_compare(value, self.high.ev(scope, env))
        if low is None or high is None:
            return None
        return low <= 0 and high <= 0

    def walk(self) -> Iterator[Node]:
        yield self
        for node in (self.value, self.low, self.high):
            yield from node.walk()


class In(Node):
    """`x in test`: a list tests membership, a range containment, anything else equality."""

    __slots__ = ("op", "test", "value")

    def __init__(self, pos: tuple[int, int], value: Node, test: Node, op: str | None) -> None:
        super().__init__(pos, value, test)
        self.value, self.test, self.op = value, test, op

    def ev(self, scope: Scope, env: Env) -> Any:
        env.tick()
        value = self.value.ev(scope, env)
        test = self.test.ev(scope, env)
        if self.op is not None:
            return compare(self.op, value, test)
        return unary_test(value, test)

    def walk(self) -> Iterator[Node]:
        yield self
        yield from self.value.walk()
        yield from self.test.walk()


def unary_test(value: Any, test: Any) -> bool | None:
    if isinstance(test, Range):
        return in_range(value, test)
    if isinstance(test, list) and not isinstance(value, list):
        return any(unary_test(value, item) is True for item in test)
    if isinstance(test, bool) and not isinstance(value, bool):
        return test
    return feel_equals(value, test)


def in_range(value: Any, rng: Range) -> bool | None:
    low = feel_compare(rng.start, value)
    high = feel_compare(value, rng.end)
    if low is None or high is None:
        return None
    low_ok = low < 0 or (low == 0 and rng.start_included)
    high_ok = high < 0 or (high == 0 and rng.end_included)
    return low_ok and high_ok


class InstanceOf(Node):
    __slots__ = ("type_", "value")

    def __init__(self, pos: tuple[int, int], value: Node, type_: str) -> None:
        super().__init__(pos, value)
        self.value, self.type_ = value, type_

    def ev(self, scope: Scope, env: Env) -> Any:
        value = self.value.ev(scope, env)
        wanted = self.type_.split("<", 1)[0].strip()
        if wanted == "Any":
            return value is not None
        actual = type_name(value)
        if wanted == "time" and actual == "time":
            return True
        return actual == wanted

    def walk(self) -> Iterator[Node]:
        yield self
        yield from self.value.walk()


# -- control flow ---------------------------------------------------------------------------


class If(Node):
    """`if c then a else b`. An `else if` chain is flat: it adds no depth and evaluates in a
    loop, so a long mapping of error codes is not refused as deep nesting."""

    __slots__ = ("cond", "else_", "then")

    def __init__(self, pos: tuple[int, int], cond: Node, then: Node, else_: Node) -> None:
        super().__init__(pos, cond, then)
        self.cond, self.then, self.else_ = cond, then, else_
        flat = else_.depth if isinstance(else_, If) else 1 + else_.depth
        self.depth = max(self.depth, flat)

    def ev(self, scope: Scope, env: Env) -> Any:
        node: Node = self
        while isinstance(node, If):
            env.tick()
            # anything but true (false, null, a number...) takes the else branch
            if node.cond.ev(scope, env) is True:
                return node.then.ev(scope, env)
            node = node.else_
        return node.ev(scope, env)

    def walk(self) -> Iterator[Node]:
        node: Node = self
        while isinstance(node, If):
            yield node
            yield from node.cond.walk()
            yield from node.then.walk()
            node = node.else_
        yield from node.walk()


Iteration = tuple[str, Node, Node | None]


def _iteration_values(iteration: Iteration, scope: Scope, env: Env) -> list[Any] | None:
    _, source, until = iteration
    start = source.ev(scope, env)
    if until is not None:
        end = until.ev(scope, env)
        if not (type(start) is Decimal and type(end) is Decimal):
            return None
        if start != start.to_integral_value() or end != end.to_integral_value():
            return None
        first, last = int(start), int(end)
        if abs(last - first) > MAX_LIST_LENGTH:
            raise FeelEvaluationError(f"range {first}..{last} is too long to iterate")
        step = 1 if last >= first else -1
        return [Decimal(i) for i in range(first, last + step, step)]
    # feel-scala iterates lists only; anything else makes the whole expression null
    return start if isinstance(start, list) else None


class For(Node):
    """`for a in x, b in y return e`: the cartesian product, `partial` holds results so far."""

    __slots__ = ("body", "iterations")

    def __init__(self, pos: tuple[int, int], iterations: list[Iteration], body: Node) -> None:
        nodes = [n for _, s, u in iterations for n in (s, u) if n is not None]
        super().__init__(pos, body, *nodes)
        self.iterations, self.body = iterations, body

    def ev(self, scope: Scope, env: Env) -> Any:
        results: list[Any] = []
        if not self._loop(0, scope, env, results):
            return None
        return results

    def _loop(self, index: int, scope: Scope, env: Env, results: list[Any]) -> bool:
        name = self.iterations[index][0]
        values = _iteration_values(self.iterations[index], scope, env)
        if values is None:
            return False
        last = index == len(self.iterations) - 1
        for value in values:
            env.tick()
            inner = Scope({name: value, "partial": results}, scope)
            if last:
                results.append(self.body.ev(inner, env))
                if len(results) > MAX_LIST_LENGTH:
                    raise FeelEvaluationError("for expression produced too many items")
            elif not self._loop(index + 1, inner, env, results):
                return False
        return True

    def walk(self) -> Iterator[Node]:
        yield self
        for _, source, until in self.iterations:
            yield from source.walk()
            if until is not None:
                yield from until.walk()
        yield from self.body.walk()


class Quantified(Node):
    """`some`/`every x in xs satisfies cond`."""

    __slots__ = ("body", "every", "iterations")

    def __init__(
        self, pos: tuple[int, int], every: bool, iterations: list[Iteration], body: Node
    ) -> None:
        super().__init__(pos, body, *(s for _, s, _ in iterations))
        self.every, self.iterations, self.body = every, iterations, body

    def ev(self, scope: Scope, env: Env) -> Any:
        outcomes: list[Any] = []
        if not self._collect(0, scope, env, outcomes):
            return None
        if self.every:
            if any(o is False for o in outcomes):
                return False
            return True if all(o is True for o in outcomes) else None
        if any(o is True for o in outcomes):
            return True
        return False if all(o is False for o in outcomes) else None

    def _collect(self, index: int, scope: Scope, env: Env, outcomes: list[Any]) -> bool:
        name = self.iterations[index][0]
        values = _iteration_values(self.iterations[index], scope, env)
        if values is None:
            return False
        for value in values:
            env.tick()
            inner = Scope({name: value}, scope)
            if index == len(self.iterations) - 1:
                outcomes.append(self.body.ev(inner, env))
            elif not self._collect(index + 1, inner, env, outcomes):
                return False
        return True

    def walk(self) -> Iterator[Node]:
        yield self
        for _, source, _ in self.iterations:
            yield from source.walk()
        yield from self.body.walk()


class FunctionDef(Node):
    __slots__ = ("body", "params")

    def __init__(self, pos: tuple[int, int], params: list[str], body: Node) -> None:
        super().__init__(pos, body)
        self.params, self.body = params, body

    def ev(self, scope: Scope, env: Env) -> Any:
        params, body = tuple(self.params), self.body

        def impl(*args: Any) -> Any:
            return body.ev(Scope(dict(zip(params, args, strict=True)), scope), env)

        return FeelFunction("anonymous function", params, impl)

    def walk(self) -> Iterator[Node]:
        yield self
        yield from self.body.walk()


# -- paths, filters, calls ------------------------------------------------------------------

_TEMPORAL_PROPERTIES: dict[str, Callable[[Any], Any]] = {
    "year": lambda v: v.year,
    "month": lambda v: v.month,
    "day": lambda v: v.day,
    "weekday": lambda v: v.isoweekday(),
    "hour": lambda v: v.hour,
    "minute": lambda v: v.minute,
    "second": lambda v: v.second,
}


def get_property(value: Any, key: str) -> Any:
    """`value.key`: a context entry, a projection over a list, or a temporal component."""
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list):
        return [get_property(item, key) for item in value]
    if isinstance(value, dt.date | dt.time) and key in _TEMPORAL_PROPERTIES:
        try:
            return Decimal(_TEMPORAL_PROPERTIES[key](value))
        except AttributeError:
            return None
    if isinstance(value, DayTimeDuration):
        return _duration_property(value, key)
    if isinstance(value, YearMonthDuration) and key in ("years", "months"):
        years, months = divmod(abs(value.months), 12)
        part = years if key == "years" else months
        return Decimal(-part if value.months < 0 else part)
    if isinstance(value, Range):
        return {
            "start": value.start,
            "end": value.end,
            "start included": value.start_included,
            "end included": value.end_included,
        }.get(key)
    return None


def _duration_property(value: DayTimeDuration, key: str) -> Any:
    micros = abs(value.microseconds)
    parts = {
        "days": micros // 86_400_000_000,
        "hours": micros // 3_600_000_000 % 24,
        "minutes": micros // 60_000_000 % 60,
        "seconds": micros // 1_000_000 % 60,
    }
    if key not in parts:
        return None
    return Decimal(-parts[key] if value.microseconds < 0 else parts[key])


class Path(Node):
    __slots__ = ("key", "target")

    def __init__(self, pos: tuple[int, int], target: Node, key: str) -> None:
        super().__init__(pos, target)
        self.target, self.key = target, key

    def ev(self, scope: Scope, env: Env) -> Any:
        env.tick()
        target = self.target
        if type(target) is Name:
            value = scope.lookup_member(target.name, self.key)
            # no variable: the name may be a function, whose members are null too
            return None if value is _MISSING else value
        return get_property(target.ev(scope, env), self.key)

    def walk(self) -> Iterator[Node]:
        yield self
        yield from self.target.walk()


class Filter(Node):
    """`list[cond]` keeps items where cond is true; `list[n]` picks an item (1-based, -1 last)."""

    __slots__ = ("condition", "target")

    def __init__(self, pos: tuple[int, int], target: Node, condition: Node) -> None:
        super().__init__(pos, target, condition)
        self.target, self.condition = target, condition

    def ev(self, scope: Scope, env: Env) -> Any:
        env.tick()
        items = self.target.ev(scope, env)
        if not isinstance(items, list):
            # feel-scala filters lists only; anything else is null
            return None
        condition = self.condition
        if not isinstance(condition, Compare | Call):
            # as feel-scala does: a filter that is a number without the item is an index
            index = condition.ev(scope, env)
            if type(index) is Decimal:
                return _index(items, index)
        kept = []
        for item in items:
            env.tick()
            if condition.ev(_item_scope(item, scope), env) is True:
                kept.append(item)
        return kept

    def walk(self) -> Iterator[Node]:
        yield self
        yield from self.target.walk()
        yield from self.condition.walk()


def _item_scope(item: Any, scope: Scope) -> Scope:
    if isinstance(item, dict):
        layer = dict(item)
        layer["item"] = item
        return Scope(layer, scope)
    return Scope({"item": item}, scope)


def _index(items: list[Any], index: Decimal) -> Any:
    if index != index.to_integral_value():
        return None
    position = int(index)
    if position > 0 and position <= len(items):
        return items[position - 1]
    if position < 0 and -position <= len(items):
        return items[position]
    return None


class Call(Node):
    """A function call, positional (`f(1, 2)`) or named (`f(a: 1, b: 2)`)."""

    __slots__ = ("args", "callee", "named")

    def __init__(
        self,
        pos: tuple[int, int],
        callee: Node,
        args: list[Node],
        named: list[tuple[str, Node]] | None,
    ) -> None:
        super().__init__(pos, callee, *args, *(n for _, n in named or ()))
        self.callee, self.args, self.named = callee, args, named

    def function_name(self) -> str | None:
        return self.callee.name if isinstance(self.callee, Name) else None

    def ev(self, scope: Scope, env: Env) -> Any:
        env.tick()
        function = self._resolve(scope, env)
        if function is None:
            return None
        if self.named is not None:
            named = self._named_args(function, scope, env)
            return None if named is None else invoke(function, named, env)
        if not accepts(function, len(self.args)):
            # feel-scala picks the function by name and argument count, before evaluating
            env.no_function(_arity_message(function, len(self.args)), self.pos)
            return None
        return invoke(function, [arg.ev(scope, env) for arg in self.args], env)

    def _resolve(self, scope: Scope, env: Env) -> FeelFunction | None:
        name = self.function_name()
        if name is not None:
            value = scope.lookup(name)
            if isinstance(value, FeelFunction):
                return value
            builtin = env.function(name)
            if builtin is not None:
                return builtin
            env.no_function(f"unknown function '{name}'", self.pos)
            return None
        value = self.callee.ev(scope, env)
        if isinstance(value, FeelFunction):
            return value
        # `a.b(1)` on a non-function fails in feel-scala too (no null for qualified calls)
        raise FeelEvaluationError(
            f"{type_name(value)} is not a function (line {self.pos[0]}, column {self.pos[1]})"
        )

    def _named_args(self, function: FeelFunction, scope: Scope, env: Env) -> list[Any] | None:
        given = {key: node for key, node in self.named or ()}
        unknown = set(given) - set(function.params)
        if unknown:
            env.no_function(
                f"function '{function.name}' has no parameter named "
                f"{', '.join(repr(u) for u in sorted(unknown))}; "
                f"its parameters are {', '.join(function.params)}",
                self.pos,
            )
            return None
        # missing named parameters are null, as feel-scala passes them
        last = max((function.params.index(k) for k in given), default=-1)
        return [
            given[p].ev(scope, env) if p in given else None for p in function.params[: last + 1]
        ]

    def walk(self) -> Iterator[Node]:
        yield self
        yield from self.callee.walk()
        for arg in self.args:
            yield from arg.walk()
        for _, node in self.named or ():
            yield from node.walk()


def accepts(function: FeelFunction, count: int) -> bool:
    """Whether `function` takes `count` positional arguments."""
    return function.required <= count and (function.variadic or count <= len(function.params))


def invoke(function: FeelFunction, args: list[Any], env: Env) -> Any:
    """Call a FEEL function (a call site or a built-in such as `sort` calling its argument)."""
    if not accepts(function, len(args)):
        raise FeelEvaluationError(_arity_message(function, len(args)))
    env.call_depth += 1
    if env.call_depth > MAX_CALL_DEPTH:
        raise FeelEvaluationError(
            f"function calls nested deeper than {MAX_CALL_DEPTH} (in '{function.name}')"
        )
    try:
        return function.impl(*args)
    finally:
        env.call_depth -= 1


def _arity_message(function: FeelFunction, given: int) -> str:
    required, optional = function.params[: function.required], function.params[function.required :]
    expected = ", ".join(required)
    if optional:
        expected += (", " if required else "") + "[" + ", ".join(optional) + "]"
    expected = expected or "no arguments"
    if function.variadic:
        expected += ", ..."
    return f"function '{function.name}' got {given} argument(s); it expects ({expected})"


# -- arithmetic and comparison --------------------------------------------------------------


def arithmetic(op: str, left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    if type(left) is Decimal and type(right) is Decimal:
        return _decimal_op(op, left, right)
    if op == "+" and type(left) is str and type(right) is str:
        if len(left) + len(right) > MAX_STRING_LENGTH:
            raise FeelEvaluationError(f"string longer than {MAX_STRING_LENGTH} characters")
        return left + right
    return _temporal_op(op, left, right)


def _decimal_op(op: str, left: Decimal, right: Decimal) -> Decimal | None:
    ctx = DECIMAL_CONTEXT
    try:
        if op == "+":
            return ctx.add(left, right)
        if op == "-":
            return ctx.subtract(left, right)
        if op == "*":
            return ctx.multiply(left, right)
        if op == "/":
            return ctx.divide(left, right)
        return _power(left, right)
    except (decimal.DivisionByZero, decimal.InvalidOperation, decimal.Overflow):
        return None


def _power(base: Decimal, exponent: Decimal) -> Decimal | None:
    if exponent == exponent.to_integral_value() and abs(exponent) > 100_000:
        # huge integral powers overflow or underflow anyway; do not let them burn CPU
        if abs(base) in (Decimal(0), Decimal(1)):
            return DECIMAL_CONTEXT.power(base, exponent)
        return None
    return DECIMAL_CONTEXT.power(base, exponent)


def _temporal_op(op: str, left: Any, right: Any) -> Any:
    try:
        return _temporal_op_unchecked(op, left, right)
    except (OverflowError, ValueError, TypeError):
        return None


def _temporal_op_unchecked(op: str, left: Any, right: Any) -> Any:
    ld, rd = isinstance(left, DayTimeDuration), isinstance(right, DayTimeDuration)
    ly, ry = isinstance(left, YearMonthDuration), isinstance(right, YearMonthDuration)
    if ld and rd and op in "+-":
        sign = 1 if op == "+" else -1
        return DayTimeDuration(left.microseconds + sign * right.microseconds)
    if ly and ry and op in "+-":
        sign = 1 if op == "+" else -1
        return YearMonthDuration(left.months + sign * right.months)
    if (ld or ly) and type(right) is Decimal and op in "*/":
        return _scale_duration(op, left, right)
    if (rd or ry) and type(left) is Decimal and op == "*":
        return _scale_duration(op, right, left)
    if isinstance(left, dt.date | dt.time) and (rd or ry) and op in "+-":
        return _shift(left, right, op == "-")
    if isinstance(right, dt.date | dt.time) and (ld or ly) and op == "+":
        return _shift(right, left, False)
    if op == "-" and isinstance(left, dt.date) and isinstance(right, dt.date):
        return _difference(left, right)
    return None


def _scale_duration(op: str, duration: Any, factor: Decimal) -> Any:
    if op == "/" and factor == 0:
        return None
    if isinstance(duration, DayTimeDuration):
        amount = Decimal(duration.microseconds)
        scaled = amount * factor if op == "*" else amount / factor
        return DayTimeDuration(int(scaled))
    months = Decimal(duration.months)
    scaled = months * factor if op == "*" else months / factor
    return YearMonthDuration(int(scaled))


def _shift(value: Any, duration: Any, subtract: bool) -> Any:
    if isinstance(duration, YearMonthDuration):
        if isinstance(value, dt.time):
            return None
        months = -duration.months if subtract else duration.months
        return _add_months(value, months)
    delta = duration.delta
    if subtract:
        delta = -delta
    if isinstance(value, dt.datetime):
        return value + delta
    if isinstance(value, dt.date):
        shifted = dt.datetime(value.year, value.month, value.day) + delta
        return shifted.date()
    anchor = dt.datetime.combine(dt.date(2000, 1, 1), value.replace(tzinfo=None)) + delta
    return anchor.time().replace(tzinfo=value.tzinfo)


def _add_months(value: dt.date, months: int) -> dt.date:
    total = value.year * 12 + value.month - 1 + months
    year, month = divmod(total, 12)
    last_day = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month]
    return value.replace(year=year, month=month + 1, day=min(value.day, last_day))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _difference(left: dt.date, right: dt.date) -> Any:
    left_dt = left if isinstance(left, dt.datetime) else dt.datetime(*left.timetuple()[:3])
    right_dt = right if isinstance(right, dt.datetime) else dt.datetime(*right.timetuple()[:3])
    if (left_dt.tzinfo is None) != (right_dt.tzinfo is None):
        return None
    return DayTimeDuration.of(left_dt - right_dt)


def compare(op: str, left: Any, right: Any) -> bool | None:
    if op == "=":
        return feel_equals(left, right)
    if op == "!=":
        equal = feel_equals(left, right)
        return None if equal is None else not equal
    order = feel_compare(left, right)
    if order is None:
        return None
    if op == "<":
        return order < 0
    if op == "<=":
        return order <= 0
    if op == ">":
        return order > 0
    return order >= 0
