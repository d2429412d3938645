"""The address segment of a template version: its number, or `unversioned` for a template
without a `version` (older official templates have none, and may sit beside numbered ones).

Every route with a version segment (UI, API, export, runs) uses the `version` converter, so
`reverse(..., args=[template_id, None])` and `/versions/unversioned/` mean the same version.
"""

from __future__ import annotations

from typing import Final, Literal

from django.urls import register_converter

UNVERSIONED: Final = "unversioned"

# What a route hands a view: a version number, or UNVERSIONED.
VersionSegment = int | Literal["unversioned"]


MAX_VERSION_DIGITS: Final = 18  # any stored version fits (a 64-bit integer); longer ones cannot


def parse_version(text: str) -> VersionSegment:
    """TEXT as a version segment: digits, or `unversioned`; ValueError for anything else (the
    one rule the routes, the API and query parameters share)."""
    if text == UNVERSIONED:
        return UNVERSIONED
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_VERSION_DIGITS):
        raise ValueError(text)
    return int(text)


def version_label(version: int | None) -> str:
    """How a version is named in addresses and on pages: `v3`, or `unversioned`."""
    return UNVERSIONED if version is None else f"v{version}"


class VersionConverter:
    regex = f"(?:[0-9]+|{UNVERSIONED})"

    def to_python(self, value: str) -> VersionSegment:
        return parse_version(value)

    def to_url(self, value: int | str | None) -> str:
        return UNVERSIONED if value is None or value == UNVERSIONED else str(int(value))


register_converter(VersionConverter, "version")
