"""How Camunda's Java side spells JSON values as text, and reads ISO-8601 durations.

Camunda's connectors runtime holds a job's values as Java objects: FEEL results pass through
feel-scala's JavaValueMapper (whole numbers that fit a `long` become `Long`, other numbers
`Double`), JSON through Jackson (`Integer`/`Long`/`BigInteger`, `Double`). Wherever the hub turns
such a value into text where a user sees it (a header or form value, a failure message, a map
key, a BPMN error code), it follows the one rule here, so that `1e20` reads `1.0E20` everywhere:

- `double_to_string`: `java.lang.Double#toString`;
- `java_text`: `String.valueOf` / `Map#toString` / `List#toString` of a JSON value
  (`{a=1, b=[x, 2.5]}`), as Camunda prints a failure's error variables;
- `scalar_text`: Jackson's coercion of a JSON scalar to a `String` field (`StringDeserializer`);
- `key_text`: a map key that is not text, as Jackson writes it (`key.toString()`);
- `parse_duration`, `duration_to_string`: `java.time.Duration#parse` and `#toString`.

No Django here: the runtime core and the connectors' input types both use it. The FEEL
engine's own `string()` (BigDecimal's toString) and the Modeler's JavaScript `String(x)`
(`connectors.elementtemplates.values.js_string`) are other languages' rules and stay there.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

# java.lang.Long's range: FEEL whole numbers inside it are Long in Camunda, the others Double
_LONG_MIN = -(2**63)
_LONG_MAX = 2**63 - 1


def double_to_string(value: float) -> str:
    """java.lang.Double#toString: plain between 10^-3 and 10^7 (`100.0`, `0.001`), otherwise
    computerized scientific notation (`1.0E20`, `1.2345678E7`, `1.0E-5`); the digits are the
    shortest that read back as the same double, as Python's repr gives them."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(value)  # plain, with at least one digit after the point, as Java's
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)  # a finite number
    text = "".join(map(str, digits))
    power = len(text) - 1 + exponent
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{power}"


def number_text(value: int | float) -> str:
    """A JSON number as Camunda holds it, as text: an integer, or a double that is whole and
    fits a long (a FEEL number JavaValueMapper made a Long), reads as an integer; any other
    double as Double#toString."""
    if isinstance(value, float) and not (value.is_integer() and _LONG_MIN <= value <= _LONG_MAX):
        return double_to_string(value)
    return str(int(value))


def scalar_text(value: Any) -> Any:
    """Jackson's coercion of a JSON scalar to a String field: text as it is, `true`/`false`,
    numbers by `number_text`; anything else (null, objects, lists) is returned unchanged for
    the caller's type check."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    return value


def java_text(value: Any) -> str:
    """String.valueOf of a JSON value as Java objects hold it: Map#toString (`{a=1, b=[x, y]}`),
    List#toString, `null`, and a Python float as the Double it is."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return double_to_string(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key_text(k)}={java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(java_text(v) for v in value) + "]"
    return str(value)


def key_text(key: Any) -> str:
    """A map key that is not text, as Jackson writes it into a JSON object (`key.toString()`):
    `true`, `1`, `1.5`, `1.0E20`; a None key reads `null`."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool | int | float):
        return java_text(key)
    raise TypeError(f"not a JSON key: {type(key).__name__}")


def parse_duration(text: str) -> timedelta:
    """An ISO-8601 duration as java.time.Duration.parse reads it (`PT30S`, `P1D`, `-PT1.5S`).

    Days are 24 hours; years, months and weeks are refused, as Java does.
    """
    match = _DURATION.fullmatch(text)
    if match is None or not any(match.group(g) for g in ("d", "h", "m", "s")):
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    if match.group("t") and not any(match.group(g) for g in ("h", "m", "s")):
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    parts = {g: Decimal(match.group(g).replace(",", ".")) for g in "dhms" if match.group(g)}
    micros = (
        parts.get("d", 0) * 86_400_000_000
        + parts.get("h", 0) * 3_600_000_000
        + parts.get("m", 0) * 60_000_000
        + parts.get("s", 0) * 1_000_000
    )
    sign = -1 if match.group("sign") == "-" else 1
    return timedelta(microseconds=sign * int(micros))


_DURATION = re.compile(
    r"(?P<sign>[-+]?)P(?:(?P<d>[-+]?\d+)D)?"
    r"(?P<t>T(?:(?P<h>[-+]?\d+)H)?(?:(?P<m>[-+]?\d+)M)?(?:(?P<s>[-+]?\d+(?:[.,]\d{0,9})?)S)?)?",
    re.IGNORECASE,
)


def duration_to_string(micros: int) -> str:
    """java.time.Duration#toString of MICROS microseconds (what Jackson writes for a
    Duration): hours, never days (`PT24H`), each part signed (`PT-1M-30S`), `PT0S` for zero.
    Whole microseconds, not a timedelta: FEEL durations may exceed timedelta's range."""
    if micros == 0:
        return "PT0S"
    sign = "-" if micros < 0 else ""
    hours, rest = divmod(abs(micros), 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds, fraction = divmod(rest, 1_000_000)
    text = "PT"
    text += f"{sign}{hours}H" if hours else ""
    text += f"{sign}{minutes}M" if minutes else ""
    if fraction:
        text += f"{sign}{seconds}.{fraction:06d}".rstrip("0") + "S"
    elif seconds:
        text += f"{sign}{seconds}S"
    return text
