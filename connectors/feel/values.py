"""FEEL values in Python: numbers, temporal types, equality, ordering and conversion to JSON.

FEEL numbers are Decimal (feel-scala uses BigDecimal with 34 significant digits), contexts are
dicts, lists are lists. The two FEEL duration kinds have no exact Python counterpart, so they
get small value classes of their own.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectorhub_sdk.javatext import duration_to_string, key_text

from .errors import FeelEvaluationError

# feel-scala computes with java.math.MathContext.DECIMAL128; traps turn division by zero and
# overflow into exceptions that the evaluator maps to null, as FEEL does.
DECIMAL_CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=6144,
    Emin=-6143,
    traps=[decimal.DivisionByZero, decimal.InvalidOperation, decimal.Overflow],
)


@dataclass(frozen=True, slots=True, order=True)
class DayTimeDuration:
    """A FEEL days-and-time duration, kept as whole microseconds (Python's resolution)."""

    microseconds: int

    @classmethod
    def of(cls, delta: dt.timedelta) -> DayTimeDuration:
        return cls(delta // dt.timedelta(microseconds=1))

    @property
    def delta(self) -> dt.timedelta:
        return dt.timedelta(microseconds=self.microseconds)

    def __str__(self) -> str:
        return format_day_time(self)


@dataclass(frozen=True, slots=True, order=True)
class YearMonthDuration:
    """A FEEL years-and-months duration, kept as a signed number of months."""

    months: int

    def __str__(self) -> str:
        return format_year_month(self)


@dataclass(frozen=True, slots=True)
class Range:
    """A FEEL range such as `[1..10)`; used by `in` and returned as a value."""

    start: Any
    end: Any
    start_included: bool
    end_included: bool


class FeelFunction:
    """A callable FEEL value: a built-in, a connector function or a `function(...)` literal."""

    __slots__ = ("impl", "name", "params", "required", "variadic")

    def __init__(
        self,
        name: str,
        params: tuple[str, ...],
        impl: Callable[..., Any],
        *,
        required: int | None = None,
        variadic: bool = False,
    ) -> None:
        self.name = name
        # parameters after the first `required` ones are optional (feel-scala overloads)
        self.params = params
        self.required = len(params) if required is None else required
        self.impl = impl
        self.variadic = variadic

    def __repr__(self) -> str:
        return f"<FEEL function {self.name}({', '.join(self.params)})>"


# -- normalisation of Python input ------------------------------------------------------------


# leaves that need no conversion; checked inline so large JSON documents avoid a call per leaf
# (not Decimal: a NaN or an infinity has to become null)
_PLAIN = frozenset({str, bool, type(None)})


def normalize(value: Any) -> Any:
    """Turn a JSON-ish Python value into FEEL values (int/float become Decimal), deeply."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return _normalize_dict(value)
    if kind is list:
        return _normalize_list(value)
    if kind is int:
        return Decimal(value)
    if kind is float:
        return _float_to_decimal(value)
    if kind is Decimal:
        return value if value.is_finite() else None
    if kind is tuple:
        return [normalize(v) for v in value]
    if isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(int(value))
    if isinstance(value, float):
        return _float_to_decimal(value)
    if isinstance(value, Mapping):
        return {k if type(k) is str else _context_key(k): normalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    if isinstance(value, dt.timedelta):
        return DayTimeDuration.of(value)
    # dates, times, durations, ranges and functions are FEEL values already
    return value


# The two helpers below are the hot path for large JSON documents (a connector's response):
# the common JSON types are converted inline, without a call per number or nested container.


def _normalize_dict(value: dict[Any, Any]) -> dict[str, Any]:
    plain = _PLAIN
    out: dict[str, Any] = {}
    for k, v in value.items():
        kind = type(v)
        if kind not in plain:
            if kind is int:
                v = Decimal(v)
            elif kind is float:
                # v - v is nan for inf and nan, which FEEL has no number for
                v = Decimal(repr(v)) if v - v == 0 else None
            elif kind is dict:
                v = _normalize_dict(v)
            elif kind is list:
                v = _normalize_list(v)
            elif kind is Decimal:
                # already a FEEL number (`from json` reads decimals), unless NaN or infinite
                v = v if v.is_finite() else None
            else:
                v = normalize(v)
        out[k if type(k) is str else _context_key(k)] = v
    return out


def _normalize_list(value: list[Any]) -> list[Any]:
    # The same per-item conversion as _normalize_dict, written out again on purpose: a call per
    # value made converting a 100 kB response body about 40 % slower (docs/feel.md, Performance).
    plain = _PLAIN
    out: list[Any] = []
    append = out.append
    for v in value:
        kind = type(v)
        if kind not in plain:
            if kind is int:
                v = Decimal(v)
            elif kind is float:
                v = Decimal(repr(v)) if v - v == 0 else None
            elif kind is dict:
                v = _normalize_dict(v)
            elif kind is list:
                v = _normalize_list(v)
            elif kind is Decimal:
                v = v if v.is_finite() else None
            else:
                v = normalize(v)
        append(v)
    return out


def _context_key(key: Any) -> str:
    """The context key for a dict key that is not a str, as Jackson writes a Java map key
    (true, null, 1.5, 1.0E20), which is what the runtime's results give too."""
    if key is None or isinstance(key, bool | int | float):
        return key_text(key)
    return str(key)


def _float_to_decimal(value: float) -> Decimal | None:
    if value != value or value in (float("inf"), float("-inf")):
        return None
    # repr() gives the shortest string that round-trips: 0.1 stays 0.1, not 0.1000000000000000055
    return Decimal(repr(value))


# -- conversion to JSON ---------------------------------------------------------------------


def to_json(value: Any) -> Any:
    """Turn a FEEL result into plain JSON-serialisable Python, as Camunda's runtime hands it back.

    The connectors runtime unpacks FEEL values with feel-scala's JavaValueMapper (whole numbers
    that fit a long become integers, other numbers doubles) and serialises them with Jackson's
    JavaTimeModule (ISO-8601 strings for dates, times and durations). A value nested deeper than
    Python's recursion allows raises FeelEvaluationError.
    """
    try:
        return _to_json(value)
    except RecursionError:
        # evaluate() can return values a little deeper than this walk (two frames a level) takes
        raise FeelEvaluationError("the value is nested too deeply to convert to JSON") from None


def _to_json(value: Any) -> Any:
    kind = type(value)
    if kind in _JSON_PLAIN:
        return value
    if kind is Decimal:
        return _decimal_to_json(value)
    if kind is dict:
        plain = _JSON_PLAIN
        return {k: (v if type(v) in plain else _to_json(v)) for k, v in value.items()}
    if kind is list:
        plain = _JSON_PLAIN
        return [v if type(v) in plain else _to_json(v) for v in value]
    if kind is int:
        return value
    if kind is float:
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, Mapping):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, DayTimeDuration):
        return java_duration_string(value)
    if isinstance(value, YearMonthDuration):
        return format_year_month(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return format_temporal(value)
    if isinstance(value, Range):
        return {"start": _to_json(value.start), "end": _to_json(value.end)}
    if isinstance(value, FeelFunction):
        return None
    return value


_JSON_PLAIN = frozenset({str, bool, type(None)})
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def _decimal_to_json(value: Decimal) -> int | float | None:
    if not value.is_finite():
        return None
    if value == value.to_integral_value():
        as_int = int(value)
        if _LONG_MIN <= as_int <= _LONG_MAX:
            return as_int
    return float(value)


# -- types ----------------------------------------------------------------------------------


def type_name(value: Any) -> str:
    """The FEEL type name of a value, as `instance of` and error messages spell it."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, Decimal | int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict | Mapping):
        return "context"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dt.datetime):
        return "date and time"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, DayTimeDuration):
        return "days and time duration"
    if isinstance(value, YearMonthDuration):
        return "years and months duration"
    if isinstance(value, FeelFunction):
        return "function"
    if isinstance(value, Range):
        return "range"
    return "Any"


# -- equality and ordering -----------------------------------------------------------------


def feel_equals(left: Any, right: Any) -> bool | None:
    """FEEL `=`: null equals only null; values of different types are not comparable (null)."""
    if left is None or right is None:
        return left is None and right is None
    lt, rt = type_name(left), type_name(right)
    if lt != rt:
        return None
    if lt == "list":
        if len(left) != len(right):
            return False
        return all(feel_equals(a, b) is True for a, b in zip(left, right, strict=True))
    if lt == "context":
        if set(left) != set(right):
            return False
        return all(feel_equals(left[k], right[k]) is True for k in left)
    if lt in ("date and time", "time") and (_aware(left) != _aware(right)):
        return None
    return bool(left == right)


_ORDERED = frozenset(
    {
        "number",
        "string",
        "date",
        "time",
        "date and time",
        "days and time duration",
        "years and months duration",
    }
)


def feel_compare(left: Any, right: Any) -> int | None:
    """-1/0/1 for two ordered values of the same FEEL type, None when they do not compare."""
    if left is None or right is None:
        return None
    lt = type_name(left)
    if lt != type_name(right) or lt not in _ORDERED:
        return None
    if lt in ("date and time", "time") and _aware(left) != _aware(right):
        return None
    if left < right:
        return -1
    return 1 if left > right else 0


def _aware(value: dt.datetime | dt.time) -> bool:
    return value.tzinfo is not None


# -- temporal parsing ----------------------------------------------------------------------

_DATE_RE = re.compile(r"^(-?\d{4,9})-(\d{2})-(\d{2})$")
_TIME_RE = re.compile(
    r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:\d{2}(?::\d{2})?)?(?:@([A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)*))?$"
)
_DAY_TIME_RE = re.compile(
    r"^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,9})?)S)?)?$"
)
_YEAR_MONTH_RE = re.compile(r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?$")


def parse_date(text: str) -> dt.date | None:
    match = _DATE_RE.match(text)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_time(text: str) -> dt.time | None:
    match = _TIME_RE.match(text)
    if not match:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    micro = int((match[4] or "0").ljust(6, "0")[:6])
    try:
        tz = _timezone(match[5], match[6])
        if hour == 24 and minute == 0 and second == 0 and micro == 0:
            hour = 0
        return dt.time(hour, minute, second, micro, tzinfo=tz)
    except (ValueError, ZoneInfoNotFoundError):
        return None


def _timezone(offset: str | None, zone: str | None) -> dt.tzinfo | None:
    if zone:
        return ZoneInfo(zone)
    if offset is None:
        return None
    if offset == "Z":
        return dt.UTC
    sign = -1 if offset[0] == "-" else 1
    parts = [int(p) for p in offset[1:].split(":")]
    seconds = parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)
    return dt.timezone(sign * dt.timedelta(seconds=seconds))


def parse_date_time(text: str) -> dt.datetime | dt.date | None:
    """`date and time("...")`: a date alone means midnight of that day."""
    if "T" not in text:
        date = parse_date(text)
        return dt.datetime(date.year, date.month, date.day) if date else None
    date_part, _, time_part = text.partition("T")
    date = parse_date(date_part)
    time = parse_time(time_part)
    if date is None or time is None:
        return None
    combined = dt.datetime.combine(date, time.replace(tzinfo=None))
    if time.tzinfo is None:
        return combined
    return combined.replace(tzinfo=time.tzinfo)


def parse_duration(text: str) -> DayTimeDuration | YearMonthDuration | None:
    match = _YEAR_MONTH_RE.match(text)
    if match and (match[2] or match[3]):
        months = int(match[2] or 0) * 12 + int(match[3] or 0)
        return YearMonthDuration(-months if match[1] else months)
    match = _DAY_TIME_RE.match(text)
    if not match or not any(match[i] for i in (2, 3, 4, 5)) or text.endswith("T"):
        return None
    seconds = Decimal(match[5] or 0)
    micros = (
        int(match[2] or 0) * 86_400_000_000
        + int(match[3] or 0) * 3_600_000_000
        + int(match[4] or 0) * 60_000_000
        + int(seconds * 1_000_000)
    )
    return DayTimeDuration(-micros if match[1] else micros)


def parse_temporal(text: str) -> Any:
    """The value of an `@"..."` literal: a date, time, date-time or duration."""
    if text.startswith(("P", "-P")):
        value: Any = parse_duration(text)
    elif "T" in text:
        value = parse_date_time(text)
    elif ":" in text:
        value = parse_time(text)
    else:
        value = parse_date(text)
    if value is None:
        raise FeelEvaluationError(f"invalid temporal literal @{text!r}")
    return value


# -- temporal formatting -------------------------------------------------------------------


def format_temporal(value: dt.date | dt.time | dt.datetime) -> str:
    """ISO-8601 as feel-scala prints it; named zones are appended as `@Zone/Name`."""
    if isinstance(value, dt.datetime):
        text = value.replace(tzinfo=None).isoformat(timespec=_timespec(value.microsecond))
        return text + _zone_suffix(value.tzinfo, value)
    if isinstance(value, dt.time):
        text = value.replace(tzinfo=None).isoformat(timespec=_timespec(value.microsecond))
        return text + _zone_suffix(value.tzinfo, None)
    return value.isoformat()


def _timespec(micro: int) -> str:
    if micro == 0:
        return "seconds"
    return "milliseconds" if micro % 1000 == 0 else "microseconds"


def _zone_suffix(tz: dt.tzinfo | None, moment: dt.datetime | None) -> str:
    if tz is None:
        return ""
    if isinstance(tz, ZoneInfo):
        return "@" + tz.key
    offset = tz.utcoffset(moment)
    if not offset:
        return "Z"
    total = int(offset.total_seconds())
    sign = "-" if total < 0 else "+"
    hours, rest = divmod(abs(total), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}"


def format_year_month(value: YearMonthDuration) -> str:
    months = abs(value.months)
    if months == 0:
        return "P0Y"
    years, rest = divmod(months, 12)
    text = "P" + (f"{years}Y" if years else "") + (f"{rest}M" if rest else "")
    return "-" + text if value.months < 0 else text


def format_day_time(value: DayTimeDuration) -> str:
    """feel-scala's format: days, hours, minutes and seconds (`P1DT2H`), `PT0S` for zero."""
    micros = abs(value.microseconds)
    if micros == 0:
        return "PT0S"
    days, rest = divmod(micros, 86_400_000_000)
    hours, rest = divmod(rest, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    text = "P" + (f"{days}D" if days else "")
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    time += _seconds_text(rest)
    if time:
        text += "T" + time
    return "-" + text if value.microseconds < 0 else text


def java_duration_string(value: DayTimeDuration) -> str:
    """java.time.Duration#toString (what Jackson writes): hours, never days (`PT24H`)."""
    return duration_to_string(value.microseconds)


def _seconds_text(micros: int) -> str:
    if micros == 0:
        return ""
    seconds, fraction = divmod(micros, 1_000_000)
    if fraction == 0:
        return f"{seconds}S"
    return f"{seconds}.{fraction:06d}".rstrip("0") + "S"


def to_feel_string(value: Any) -> str:
    """FEEL `string(x)` for every type, following feel-scala's toString conventions."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return number_to_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_nested_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}:{_nested_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, dt.date | dt.time):
        return format_temporal(value)
    if isinstance(value, DayTimeDuration | YearMonthDuration):
        return str(value)
    return str(value)


def _nested_string(value: Any) -> str:
    # inside lists and contexts feel-scala quotes strings (ValString#toString)
    return f'"{value}"' if isinstance(value, str) else to_feel_string(value)


def number_to_string(value: Decimal) -> str:
    """java.math.BigDecimal#toString, which Python's Decimal#__str__ follows for the same digits."""
    return str(value)
