"""Replacing secret values with `***` (Camunda's mask) before anything is stored or shown.

A value can reach a result, a log or an exchange record in other spellings than its own: escaped
inside JSON, percent-encoded in a URL or form body, base64-encoded in a Basic authorization
header. Each of those spellings is masked too. Basic credentials are decoded and masked whole
when they contain a secret, because the user name next to the password changes the encoding.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
import traceback
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

from connectors.secrets.references import json_escape

MASK = "***"
_PATH = "/!$&'()*+,;=:@~"

# "Basic <base64>" in a header value, a log line or a repr of headers.
_BASIC_CREDENTIALS = re.compile(r"(?P<scheme>\bBasic\s+)(?P<token>[A-Za-z0-9+/_-]{4,}={0,2})", re.I)


def spellings(value: str) -> set[str]:
    """Every form of VALUE that the redactor looks for."""
    forms = {value}
    forms.add(json_escape(value))
    forms.add(_json_escape_ascii(value))
    forms.add(html.escape(value, quote=True))
    # the last: httpx's spelling of a URL path, which leaves these characters as they are
    for encoded in (quote(value, safe=""), quote(value), quote_plus(value), quote(value, _PATH)):
        forms.add(encoded)
    raw = value.encode()
    for encoded_bytes in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        encoded_text = encoded_bytes.decode()
        forms.add(encoded_text)
        forms.add(encoded_text.rstrip("="))
    forms.discard("")
    return forms


class Redactor:
    """Masks every occurrence of the given secret values, in any of their spellings."""

    def __init__(self, secret_values: Iterable[str]) -> None:
        self.values = sorted({value for value in secret_values if value}, key=len, reverse=True)
        forms = set().union(*(spellings(value) for value in self.values)) if self.values else set()
        # Longest first, so a secret that contains another is masked whole, not in pieces.
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(_form_regex, ordered))) if ordered else None

    def __repr__(self) -> str:
        return f"Redactor({len(self.values)} secret value(s))"

    def __bool__(self) -> bool:
        return self._pattern is not None

    def redact_text(self, text: str) -> str:
        if self._pattern is None:
            return text
        text = _BASIC_CREDENTIALS.sub(self._redact_basic, text)
        return self._pattern.sub(MASK, text)

    def redact(self, value: Any) -> Any:
        """VALUE with every secret masked: strings, dict keys and values, lists, tuples, bytes."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, dict):
            return {self.redact(key): self.redact(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.redact(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self.redact(item) for item in value)
        if isinstance(value, bytes | bytearray):
            text = bytes(value).decode("utf-8", errors="surrogateescape")
            return self.redact_text(text).encode("utf-8", errors="surrogateescape")
        return value

    def redact_exception(self, exc: BaseException) -> str:
        """The exception's traceback as text, masked (for logs and stored run errors)."""
        return self.redact_text("".join(traceback.format_exception(exc)))

    def _redact_basic(self, match: re.Match[str]) -> str:
        decoded = _decode_base64(match.group("token"))
        if decoded is None or self._pattern is None or not self._pattern.search(decoded):
            return match.group(0)
        return match.group("scheme") + MASK


def _json_escape_ascii(value: str) -> str:
    return json.dumps(value, ensure_ascii=True)[1:-1]


def _form_regex(form: str) -> str:
    """FORM as a regex; its percent-escapes match in either case (%2F and %2f alike)."""
    parts = []
    for piece in re.split(r"(%[0-9A-F]{2})", form):
        if re.fullmatch(r"%[0-9A-F]{2}", piece):
            parts.append(
                "%" + "".join(f"[{c}{c.lower()}]" if c.isalpha() else c for c in piece[1:])
            )
        else:
            parts.append(re.escape(piece))
    return "".join(parts)


def _decode_base64(token: str) -> str | None:
    padded = token + "=" * (-len(token) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            return decode(padded).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            continue
    return None
