"""FEEL built-in functions (the subset Camunda's docs and the connector templates use, and more).

Semantics follow feel-scala: an argument of the wrong type makes the call return null (feel-scala
reports "failed to invoke function" as a warning and goes on with null); only an unknown function
or a wrong number of arguments stops the evaluation.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import re
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .errors import FeelEvaluationError
from .nodes import MAX_LIST_LENGTH, Env, invoke
from .safe_regex import (
    REGEX_TIME_LIMIT,
    Match,
    Regex,
    RegexSyntaxError,
    RegexTooComplex,
    compile_pattern,
)
from .values import (
    DECIMAL_CONTEXT,
    DayTimeDuration,
    FeelFunction,
    YearMonthDuration,
    feel_compare,
    feel_equals,
    normalize,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
    to_feel_string,
    to_json,
)

Impl = Callable[..., Any]
_REGISTRY: dict[str, FeelFunction] = {}


def builtin(
    name: str, params: str, *, required: int | None = None, variadic: bool = False
) -> Callable[[Impl], Impl]:
    """Register `impl` as the FEEL function `name` with comma-separated parameter names."""

    def register(impl: Impl) -> Impl:
        names = tuple(p.strip() for p in params.split(",") if p.strip())
        _REGISTRY[name] = FeelFunction(
            name, names, _null_on_type_error(impl), required=required, variadic=variadic
        )
        return impl

    return register


def _null_on_type_error(impl: Impl) -> Impl:
    @functools.wraps(impl)
    def call(*args: Any) -> Any:
        try:
            return impl(*args)
        except _WrongType:
            return None

    return call


class _WrongType(Exception):
    """An argument does not have the type a built-in needs: the call yields null."""


def _str(value: Any) -> str:
    if type(value) is not str:
        raise _WrongType
    return value


def _num(value: Any) -> Decimal:
    if type(value) is not Decimal:
        raise _WrongType
    return value


def _int(value: Any) -> int:
    number = _num(value)
    if not number.is_finite():
        raise _WrongType
    return int(number)


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _WrongType
    return value


def _ctx(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _WrongType
    return value


def _varargs(args: tuple[Any, ...]) -> list[Any]:
    # min(1, 2) and min([1, 2]) mean the same
    if len(args) == 1 and isinstance(args[0], list):
        return args[0]
    return list(args)


# -- conversion -----------------------------------------------------------------------------


@builtin("string", "from")
def _string(value: Any) -> Any:
    return None if value is None else to_feel_string(value)


@builtin("number", "from, grouping separator, decimal separator", required=1)
def _number(text: Any, grouping: Any = None, decimal_sep: Any = None) -> Any:
    source = _str(text)
    if grouping is not None:
        if _str(grouping) not in (" ", ",", "."):
            return None
        source = source.replace(grouping, "")
    if decimal_sep is not None:
        if _str(decimal_sep) not in (",", ".") or decimal_sep == grouping:
            return None
        source = source.replace(decimal_sep, ".")
    if not re.fullmatch(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*", source):
        return None
    return Decimal(source.strip())


@builtin("date", "from, month, day", required=1)
def _date(value: Any, month: Any = None, day: Any = None) -> Any:
    if month is not None or day is not None:
        try:
            return dt.date(_int(value), _int(month), _int(day))
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return parse_date(_str(value))


@builtin("time", "from, minute, second, offset", required=1)
def _time(value: Any, minute: Any = None, second: Any = None, offset: Any = None) -> Any:
    if minute is not None:
        seconds = _num(second)
        micro = int((seconds % 1) * 1_000_000)
        tz = None
        if isinstance(offset, DayTimeDuration):
            tz = dt.timezone(offset.delta)
        try:
            return dt.time(_int(value), _int(minute), int(seconds), micro, tzinfo=tz)
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        return value.timetz()
    if isinstance(value, dt.date):
        return dt.time(0, tzinfo=dt.UTC)
    return parse_time(_str(value))


@builtin("date and time", "from, time", required=1)
def _date_and_time(value: Any, time: Any = None) -> Any:
    if time is None:
        return parse_date_time(_str(value))
    if not isinstance(value, dt.date):
        raise _WrongType
    day = value.date() if isinstance(value, dt.datetime) else value
    if isinstance(time, dt.time):
        return dt.datetime.combine(day, time)
    if isinstance(value, dt.datetime) and isinstance(time, str):
        from zoneinfo import ZoneInfo

        try:
            zone = ZoneInfo(time)
        except (ValueError, KeyError, OSError):
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=zone)
        return value.astimezone(zone)
    raise _WrongType


@builtin("duration", "from")
def _duration(value: Any) -> Any:
    return parse_duration(_str(value))


@builtin("years and months duration", "from, to")
def _years_and_months(start: Any, end: Any) -> Any:
    if not (isinstance(start, dt.date) and isinstance(end, dt.date)):
        raise _WrongType
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 0 and end.day < start.day:
        months -= 1
    elif months < 0 and end.day > start.day:
        months += 1
    return YearMonthDuration(months)


@builtin("to json", "value")
def _to_json_function(value: Any) -> Any:
    return json.dumps(to_json(value), separators=(",", ":"), ensure_ascii=False)


@builtin("from json", "value")
def _from_json(text: Any) -> Any:
    try:
        return normalize(json.loads(_str(text), parse_float=Decimal))
    except ValueError:
        return None


# -- booleans -------------------------------------------------------------------------------


@builtin("not", "negand")
def _not(value: Any) -> Any:
    return (not value) if isinstance(value, bool) else None


@builtin("is defined", "value")
def _is_defined(value: Any) -> Any:
    return value is not None


@builtin("get or else", "value, default")
def _get_or_else(value: Any, default: Any) -> Any:
    return default if value is None else value


# -- strings --------------------------------------------------------------------------------


def _start_index(text: str, position: int) -> int:
    return position - 1 if position > 0 else max(len(text) + position, 0)


@builtin("substring", "string, start position, length", required=2)
def _substring(text: Any, start: Any, length: Any = None) -> Any:
    source = _str(text)
    begin = _start_index(source, _int(start))
    if length is None:
        return source[begin:]
    return source[begin : begin + max(_int(length), 0)]


@builtin("string length", "string")
def _string_length(text: Any) -> Any:
    # Java counts UTF-16 code units; so does Camunda
    return Decimal(len(_str(text).encode("utf-16-le")) // 2)


@builtin("upper case", "string")
def _upper(text: Any) -> Any:
    return _str(text).upper()


@builtin("lower case", "string")
def _lower(text: Any) -> Any:
    return _str(text).lower()


@builtin("substring before", "string, match")
def _before(text: Any, match: Any) -> Any:
    source, needle = _str(text), _str(match)
    index = source.find(needle)
    return "" if index < 0 else source[:index]


@builtin("substring after", "string, match")
def _after(text: Any, match: Any) -> Any:
    source, needle = _str(text), _str(match)
    index = source.find(needle)
    return "" if index < 0 else source[index + len(needle) :]


@builtin("contains", "string, match")
def _contains(text: Any, match: Any) -> Any:
    return _str(match) in _str(text)


@builtin("starts with", "string, match")
def _starts(text: Any, match: Any) -> Any:
    return _str(text).startswith(_str(match))


@builtin("ends with", "string, match")
def _ends(text: Any, match: Any) -> Any:
    return _str(text).endswith(_str(match))


@builtin("trim", "string")
def _trim(text: Any) -> Any:
    return _str(text).strip(" \t\n\r\f\v\x00")


@builtin("is blank", "string")
def _is_blank(text: Any) -> Any:
    return _str(text).strip() == ""


@builtin("uuid", "")
def _uuid() -> Any:
    return str(uuid.uuid4())


@builtin("string join", "list, delimiter, prefix, suffix", required=1)
def _string_join(items: Any, delimiter: Any = None, prefix: Any = None, suffix: Any = None) -> Any:
    parts = [_str(v) for v in _list(items) if v is not None]
    sep = "" if delimiter is None else _str(delimiter)
    text = sep.join(parts)
    if prefix is not None or suffix is not None:
        text = (_str(prefix) if prefix else "") + text + (_str(suffix) if suffix else "")
    return text


# -- lists ----------------------------------------------------------------------------------


def _contains_value(items: list[Any], value: Any) -> bool:
    return any(feel_equals(item, value) is True for item in items)


@builtin("list contains", "list, element")
def _list_contains(items: Any, element: Any) -> Any:
    return _contains_value(_list(items), element)


@builtin("count", "list")
def _count(items: Any) -> Any:
    return Decimal(len(_list(items)))


def _extreme(args: tuple[Any, ...], pick: int) -> Any:
    items = _varargs(args)
    if not items:
        return None
    best = items[0]
    for item in items[1:]:
        order = feel_compare(item, best)
        if order is None:
            raise _WrongType
        if order == pick:
            best = item
    if feel_compare(best, best) is None:
        raise _WrongType
    return best


@builtin("min", "list", variadic=True)
def _min(*args: Any) -> Any:
    return _extreme(args, -1)


@builtin("max", "list", variadic=True)
def _max(*args: Any) -> Any:
    return _extreme(args, 1)


@builtin("sum", "list", variadic=True)
def _sum(*args: Any) -> Any:
    items = [_num(v) for v in _varargs(args)]
    if not items:
        return None
    total = Decimal(0)
    for item in items:
        total = DECIMAL_CONTEXT.add(total, item)
    return total


@builtin("product", "list", variadic=True)
def _product(*args: Any) -> Any:
    items = [_num(v) for v in _varargs(args)]
    if not items:
        return None
    total = Decimal(1)
    for item in items:
        total = DECIMAL_CONTEXT.multiply(total, item)
    return total


@builtin("mean", "list", variadic=True)
def _mean(*args: Any) -> Any:
    items = [_num(v) for v in _varargs(args)]
    if not items:
        return None
    return DECIMAL_CONTEXT.divide(sum(items, Decimal(0)), Decimal(len(items)))


@builtin("all", "list", variadic=True)
def _all(*args: Any) -> Any:
    items = _varargs(args)
    if any(v is False for v in items):
        return False
    return True if all(v is True for v in items) else None


@builtin("any", "list", variadic=True)
def _any(*args: Any) -> Any:
    items = _varargs(args)
    if any(v is True for v in items):
        return True
    return False if all(v is False for v in items) else None


def _check_length(items: list[Any]) -> list[Any]:
    if len(items) > MAX_LIST_LENGTH:
        raise FeelEvaluationError(f"list longer than {MAX_LIST_LENGTH} items")
    return items


@builtin("sublist", "list, start position, length", required=2)
def _sublist(items: Any, start: Any, length: Any = None) -> Any:
    source = _list(items)
    begin = _start_index_list(source, _int(start))
    if length is None:
        return source[begin:]
    return source[begin : begin + max(_int(length), 0)]


def _start_index_list(items: list[Any], position: int) -> int:
    return position - 1 if position > 0 else max(len(items) + position, 0)


@builtin("append", "list, items", required=1, variadic=True)
def _append(items: Any, *more: Any) -> Any:
    return _check_length([*_list(items), *more])


@builtin("concatenate", "lists", variadic=True, required=0)
def _concatenate(*lists: Any) -> Any:
    result: list[Any] = []
    for item in lists:
        # feel-scala adds a non-list argument as a single item
        if isinstance(item, list):
            result.extend(item)
        else:
            result.append(item)
        _check_length(result)
    return result


@builtin("insert before", "list, position, newItem")
def _insert_before(items: Any, position: Any, new_item: Any) -> Any:
    source = list(_list(items))
    source.insert(_start_index_list(source, _int(position)), new_item)
    return source


@builtin("remove", "list, position")
def _remove(items: Any, position: Any) -> Any:
    source = list(_list(items))
    index = _start_index_list(source, _int(position))
    if not 0 <= index < len(source):
        return None
    del source[index]
    return source


@builtin("reverse", "list")
def _reverse(items: Any) -> Any:
    return list(reversed(_list(items)))


@builtin("index of", "list, match")
def _index_of(items: Any, match: Any) -> Any:
    return [
        Decimal(i + 1) for i, item in enumerate(_list(items)) if feel_equals(item, match) is True
    ]


def _distinct(items: list[Any]) -> list[Any]:
    result: list[Any] = []
    for item in items:
        if not _contains_value(result, item):
            result.append(item)
    return result


@builtin("union", "lists", variadic=True, required=0)
def _union(*lists: Any) -> Any:
    merged: list[Any] = []
    for item in lists:
        merged.extend(_list(item))
    return _distinct(merged)


@builtin("distinct values", "list")
def _distinct_values(items: Any) -> Any:
    return _distinct(_list(items))


@builtin("duplicate values", "list")
def _duplicate_values(items: Any) -> Any:
    source = _list(items)
    dupes = [v for i, v in enumerate(source) if _contains_value(source[:i], v)]
    return _distinct(dupes)


def _flatten(items: list[Any]) -> list[Any]:
    result: list[Any] = []
    stack = [iter(items)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, list):
                stack.append(iter(item))
                break
            result.append(item)
        else:
            stack.pop()
    return result


@builtin("flatten", "list")
def _flatten_function(items: Any) -> Any:
    return _flatten(_list(items))


@builtin("is empty", "list")
def _is_empty(items: Any) -> Any:
    return not _list(items)


@builtin("partition", "list, size")
def _partition(items: Any, size: Any) -> Any:
    source, step = _list(items), _int(size)
    if step <= 0:
        return None
    return [source[i : i + step] for i in range(0, len(source), step)]


# -- contexts -------------------------------------------------------------------------------


@builtin("get entries", "context")
def _get_entries(context: Any) -> Any:
    return [{"key": k, "value": v} for k, v in _ctx(context).items()]


@builtin("get value", "context, key")
def _get_value(context: Any, key: Any) -> Any:
    value: Any = _ctx(context)
    keys = [_str(k) for k in key] if isinstance(key, list) else [_str(key)]
    for part in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _put(context: dict[str, Any], keys: list[str], value: Any) -> dict[str, Any]:
    result = dict(context)
    if len(keys) == 1:
        result[keys[0]] = value
        return result
    inner = result.get(keys[0])
    result[keys[0]] = _put(inner if isinstance(inner, dict) else {}, keys[1:], value)
    return result


@builtin("context put", "context, key, value")
def _context_put(context: Any, key: Any, value: Any) -> Any:
    keys = [_str(k) for k in key] if isinstance(key, list) else [_str(key)]
    if not keys:
        return None
    return _put(_ctx(context), keys, value)


@builtin("context merge", "contexts", variadic=True)
def _context_merge(*contexts: Any) -> Any:
    # context merge([c1, c2]) and context merge(c1, c2) are the same (varargs in feel-scala)
    result: dict[str, Any] = {}
    for item in _varargs(contexts):
        result.update(_ctx(item))
    return result


@builtin("put all", "contexts", variadic=True)
def _put_all(*contexts: Any) -> Any:
    # deprecated alias of context merge that Camunda still accepts
    return _context_merge(*contexts)


@builtin("context", "entries")
def _context(entries: Any) -> Any:
    result: dict[str, Any] = {}
    for entry in _list(entries):
        item = _ctx(entry)
        if "key" not in item or "value" not in item:
            return None
        result[_str(item["key"])] = item["value"]
    return result


# -- numbers --------------------------------------------------------------------------------


def _quantize(value: Decimal, scale: int, rounding: str) -> Decimal:
    try:
        return value.quantize(Decimal(1).scaleb(-scale), rounding=rounding, context=_WIDE)
    except decimal.InvalidOperation as error:
        raise _WrongType from error


_WIDE = decimal.Context(prec=1000)


@builtin("decimal", "n, scale, mode", required=2)
def _decimal(value: Any, scale: Any, mode: Any = None) -> Any:
    modes = {
        "up": decimal.ROUND_UP,
        "down": decimal.ROUND_DOWN,
        "ceiling": decimal.ROUND_CEILING,
        "floor": decimal.ROUND_FLOOR,
        "half_up": decimal.ROUND_HALF_UP,
        "half_down": decimal.ROUND_HALF_DOWN,
        "half_even": decimal.ROUND_HALF_EVEN,
    }
    rounding = decimal.ROUND_HALF_EVEN if mode is None else modes.get(_str(mode).lower())
    if rounding is None:
        return None
    return _quantize(_num(value), _int(scale), rounding)


def _rounder(name: str, rounding: str) -> None:
    def impl(value: Any, scale: Any = None) -> Any:
        return _quantize(_num(value), 0 if scale is None else _int(scale), rounding)

    builtin(name, "n, scale", required=1)(impl)


_rounder("floor", decimal.ROUND_FLOOR)
_rounder("ceiling", decimal.ROUND_CEILING)
_rounder("round up", decimal.ROUND_UP)
_rounder("round down", decimal.ROUND_DOWN)
_rounder("round half up", decimal.ROUND_HALF_UP)
_rounder("round half down", decimal.ROUND_HALF_DOWN)


@builtin("abs", "n")
def _abs(value: Any) -> Any:
    if isinstance(value, DayTimeDuration):
        return DayTimeDuration(abs(value.microseconds))
    if isinstance(value, YearMonthDuration):
        return YearMonthDuration(abs(value.months))
    return abs(_num(value))


@builtin("modulo", "dividend, divisor")
def _modulo(dividend: Any, divisor: Any) -> Any:
    a, b = _num(dividend), _num(divisor)
    if b == 0:
        return None
    # FEEL's modulo takes the sign of the divisor, like floor division
    return DECIMAL_CONTEXT.subtract(a, b * (a / b).to_integral_value(decimal.ROUND_FLOOR))


@builtin("sqrt", "number")
def _sqrt(value: Any) -> Any:
    number = _num(value)
    return None if number < 0 else DECIMAL_CONTEXT.sqrt(number)


@builtin("odd", "number")
def _odd(value: Any) -> Any:
    number = _num(value)
    return number == number.to_integral_value() and int(number) % 2 == 1


@builtin("even", "number")
def _even(value: Any) -> Any:
    number = _num(value)
    return number == number.to_integral_value() and int(number) % 2 == 0


# -- regular expressions (need the evaluation env to charge their time) -----------------------

# A FEEL step takes about 2 microseconds, so a regex call costs the steps FEEL would have taken
# in the same time: the step budget bounds all regex work of an evaluation together.
_MICROSECONDS_PER_STEP = 2


def _pattern(name: str, pattern: Any, flags: Any = None) -> Regex:
    try:
        return compile_pattern(_str(pattern), "" if flags is None else _str(flags))
    except RegexSyntaxError as error:
        raise _WrongType from error
    except RegexTooComplex as error:
        raise FeelEvaluationError(f"function '{name}': {error}") from None


def _timed(env: Env, name: str, work: Callable[[float], Any]) -> Any:
    """`work(deadline)`, charged to the step budget; a pattern too slow fails the evaluation.
    The charge is the thread's CPU time, not the clock's: a thread that waited for a core (a
    busy machine) did no work, and a tiny pattern must not fail for it."""
    started, cpu_started = time.monotonic(), time.thread_time()
    try:
        result = work(started + REGEX_TIME_LIMIT)
    except RegexTooComplex as error:
        raise FeelEvaluationError(f"function '{name}': {error}") from None
    microseconds = int((time.thread_time() - cpu_started) * 1_000_000)
    env.tick(1 + microseconds // _MICROSECONDS_PER_STEP)
    return result


def _matches(env: Env) -> FeelFunction:
    def impl(text: Any, pattern: Any, flags: Any = None) -> Any:
        regex, source = _pattern("matches", pattern, flags), _str(text)
        return _timed(env, "matches", lambda deadline: regex.search(source, deadline))

    params = ("input", "pattern", "flags")
    return FeelFunction("matches", params, _null_on_type_error(impl), required=2)


def _replace(env: Env) -> FeelFunction:
    def impl(text: Any, pattern: Any, replacement: Any, flags: Any = None) -> Any:
        regex, source = _pattern("replace", pattern, flags), _str(text)
        parts = _java_replacement(_str(replacement))
        if any(isinstance(part, int) and part > regex.groups for part in parts):
            return None  # java.util.regex: "No group N"

        def substitute(match: Match) -> str:
            return "".join(p if isinstance(p, str) else match.group(p) or "" for p in parts)

        return _timed(env, "replace", lambda deadline: regex.sub(substitute, source, deadline))

    params = ("input", "pattern", "replacement", "flags")
    return FeelFunction("replace", params, _null_on_type_error(impl), required=3)


def _java_replacement(replacement: str) -> list[str | int]:
    """java.util.regex's replacement: `$1` is a group, a backslash takes the next character."""
    parts: list[str | int] = []
    i = 0
    while i < len(replacement):
        char = replacement[i]
        if char == "\\" and i + 1 < len(replacement):
            parts.append(replacement[i + 1])
            i += 2
        elif char == "$" and i + 1 < len(replacement) and replacement[i + 1].isdigit():
            j = i + 1
            while j < len(replacement) and replacement[j].isdigit():
                j += 1
            parts.append(int(replacement[i + 1 : j]))
            i = j
        else:
            parts.append(char)
            i += 1
    return parts


def _split(env: Env) -> FeelFunction:
    def impl(text: Any, delimiter: Any) -> Any:
        regex, source = _pattern("split", delimiter), _str(text)
        return _timed(env, "split", lambda deadline: regex.split(source, deadline))

    return FeelFunction("split", ("string", "delimiter"), _null_on_type_error(impl))


def _extract(env: Env) -> FeelFunction:
    def impl(text: Any, pattern: Any) -> Any:
        regex, source = _pattern("extract", pattern), _str(text)

        def found(deadline: float) -> list[str | None]:
            return [match.group(0) for match in regex.findall(source, deadline)]

        return _timed(env, "extract", found)

    return FeelFunction("extract", ("input", "pattern"), _null_on_type_error(impl))


# -- sorting (needs the evaluation env to call the comparator) ------------------------------


def _sort(env: Env) -> FeelFunction:
    def impl(items: Any, precedes: Any = None) -> Any:
        source = _list(items)
        if precedes is None:
            try:
                return sorted(source, key=functools.cmp_to_key(_natural_order))
            except _WrongType:
                return None
        if not isinstance(precedes, FeelFunction):
            return None

        def order(a: Any, b: Any) -> int:
            env.tick()
            if invoke(precedes, [a, b], env) is True:
                return -1
            return 1 if invoke(precedes, [b, a], env) is True else 0

        return sorted(source, key=functools.cmp_to_key(order))

    return FeelFunction("sort", ("list", "precedes"), _null_on_type_error(impl), required=1)


def _natural_order(a: Any, b: Any) -> int:
    order = feel_compare(a, b)
    if order is None:
        raise _WrongType
    return order


# -- temporal -------------------------------------------------------------------------------


def _clock(env: Env) -> dt.datetime:
    if env.now is None:
        env.now = dt.datetime.now(dt.UTC)
    return env.now


def _now(env: Env) -> FeelFunction:
    return FeelFunction("now", (), lambda: _clock(env))


def _today(env: Env) -> FeelFunction:
    return FeelFunction("today", (), lambda: _clock(env).date())


@builtin("day of week", "date")
def _day_of_week(value: Any) -> Any:
    if not isinstance(value, dt.date):
        raise _WrongType
    return value.strftime("%A")


@builtin("month of year", "date")
def _month_of_year(value: Any) -> Any:
    if not isinstance(value, dt.date):
        raise _WrongType
    return value.strftime("%B")


@builtin("day of year", "date")
def _day_of_year(value: Any) -> Any:
    if not isinstance(value, dt.date):
        raise _WrongType
    return Decimal(value.timetuple().tm_yday)


@builtin("week of year", "date")
def _week_of_year(value: Any) -> Any:
    if not isinstance(value, dt.date):
        raise _WrongType
    return Decimal(value.isocalendar()[1])


def base_functions() -> dict[str, FeelFunction]:
    """The stateless built-ins, shared by all evaluations."""
    return dict(_REGISTRY)


_PER_EVALUATION: dict[str, Callable[[Env], FeelFunction]] = {
    "now": _now,
    "today": _today,
    "sort": _sort,
    "matches": _matches,
    "replace": _replace,
    "split": _split,
    "extract": _extract,
}


def per_evaluation_functions() -> dict[str, tuple[FeelFunction, Callable[[Env], FeelFunction]]]:
    """For each env-bound built-in: a template (its signature, for the shared table and for
    check()) and the factory that binds it to an evaluation's env on first use."""
    unbound = Env({}, 0)
    return {name: (factory(unbound), factory) for name, factory in _PER_EVALUATION.items()}
