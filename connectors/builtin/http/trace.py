"""What the run page shows of an HTTP exchange: headers with hub-made credentials hidden, bodies
with sensitive fields (OAuth secrets and tokens) masked."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any


def trace_headers(headers: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Headers for the run page; credentials the hub made itself (OAuth tokens, Basic) are
    shown as `<scheme> ***` (secrets from the store are masked by the runtime anyway)."""
    shown: dict[str, Any] = {}
    for key, value in headers:
        if key.lower() in ("authorization", "proxy-authorization"):
            scheme = value.split(" ", 1)[0] if " " in value else ""
            value = f"{scheme} ***".strip()
        if key in shown:
            previous = shown[key]
            shown[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            shown[key] = value
    return shown


def trace_body(content: bytes | None, sensitive: Sequence[str]) -> str | None:
    if content is None:
        return None
    text = content.decode("utf-8", errors="replace")
    if sensitive:
        text = _mask_fields(text, sensitive)
    return text


def _mask_fields(text: str, names: Sequence[str]) -> str:
    """Hide form fields and JSON string fields such as client_secret and access_token."""
    for name in names:
        text = re.sub(rf'("{re.escape(name)}"\s*:\s*")[^"]*(")', r"\1***\2", text)
        text = re.sub(rf"((?:^|&){re.escape(name)}=)[^&]*", r"\1***", text)
    return text
