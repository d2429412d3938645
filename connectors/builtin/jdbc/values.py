"""Column values as Camunda's JDBC connector returns them: the driver's Java object
(`ResultSet.getObject`) written by the connector runtime's Jackson mapper (JavaTimeModule,
dates not as timestamps)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

from connectorhub_sdk import JSON


def column_value(value: Any, *, json_column: bool = False) -> JSON:
    """One column's value as JSON."""
    if json_column and isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value.decode() if isinstance(value, bytes) else value  # kept as text
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):  # BigDecimal: a JSON number
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):  # java.sql.Timestamp: ISO-8601 in UTC, milliseconds
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="milliseconds") + "+00:00"
    if isinstance(value, dt.date):  # java.sql.Date
        return value.isoformat()
    if isinstance(value, dt.time):  # java.sql.Time: HH:mm:ss
        return value.replace(microsecond=0, tzinfo=None).isoformat()
    if isinstance(value, dt.timedelta):  # MySQL TIME comes back as a duration
        seconds = int(value.total_seconds())
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if isinstance(value, bytes | bytearray | memoryview):  # byte[]: Base64, as Jackson writes it
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict | list):  # PostgreSQL json/jsonb and arrays, already parsed
        return [column_value(v) for v in value] if isinstance(value, list) else value
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)
