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


class VersionConverter:
    regex = f"(?:[0-9]+|{UNVERSIONED})"

    def to_python(self, value: str) -> VersionSegment:
        return UNVERSIONED if value == UNVERSIONED else int(value)

    def to_url(self, value: int | str | None) -> str:
        return UNVERSIONED if value is None or value == UNVERSIONED else str(int(value))


register_converter(VersionConverter, "version")
