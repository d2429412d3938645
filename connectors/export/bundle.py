"""Writing an export: one JSON document, or a zip laid out for the Desktop Modeler.

The Desktop Modeler loads every `.json` file under `resources/element-templates/` (in its user
data folder, or in `.camunda/` beside a diagram). The zip holds exactly that tree, one file per
template id with every exported version of it, so unpacking it in the user data folder is the
whole installation. Templates that were left out are listed in `EXPORT-PROBLEMS.txt` at the top
of the zip, outside the folder the Modeler reads.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

from connectors.export.collect import ExportedTemplate, ExportResult

TEMPLATES_FOLDER = "resources/element-templates"
PROBLEMS_FILE = "EXPORT-PROBLEMS.txt"
# A fixed timestamp keeps the zip identical for identical content.
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


def to_json(templates: list[ExportedTemplate], *, single: bool = False) -> str:
    """One template as an object (`single`), otherwise an array, as the Modeler reads both."""
    data: Any = [t.template for t in templates]
    if single:
        if len(templates) != 1:
            raise ValueError(f"a single-template document needs one template, not {len(data)}")
        data = data[0]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def template_files(templates: list[ExportedTemplate]) -> dict[str, str]:
    """`{file name: JSON}`: one file per template id, holding its versions in export order."""
    by_id: dict[str, list[ExportedTemplate]] = {}
    for item in templates:
        by_id.setdefault(item.template_id, []).append(item)
    files: dict[str, str] = {}
    names = _UniqueNames()
    for template_id, versions in by_id.items():
        files[names.claim(file_name(template_id))] = to_json(versions, single=len(versions) == 1)
    return files


def to_zip(result: ExportResult) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in template_files(result.templates).items():
            _write(archive, f"{TEMPLATES_FOLDER}/{name}", text)
        if result.problems:
            _write(archive, PROBLEMS_FILE, problems_text(result))
    return buffer.getvalue()


def problems_text(result: ExportResult) -> str:
    lines = [f"{result.summary()}.", ""]
    for problem in result.problems:
        lines.append(f"{problem.label}:")
        lines.extend(f"  - {reason}" for reason in problem.reasons)
    return "\n".join(lines) + "\n"


def file_name(template_id: str) -> str:
    """A file name safe on every system: the id with anything unusual replaced by `_`."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", template_id).strip(".") or "template"
    return f"{cleaned[:150]}.json"


def bpmn_name(template: dict[str, object]) -> str:
    """The file name of TEMPLATE's ready process: `file_name` with `.bpmn`."""
    return file_name(str(template.get("id", "process"))).removesuffix(".json") + ".bpmn"


def download_name(result: ExportResult, suffix: str) -> str:
    """`<id>-v<version>.json` for one template, `element-templates.<suffix>` otherwise."""
    if len(result.templates) == 1 and suffix == "json":
        only = result.templates[0]
        stem = file_name(only.template_id).removesuffix(".json")
        return f"{stem}-v{only.version}.json" if only.version is not None else f"{stem}.json"
    return f"element-templates.{suffix}"


class _UniqueNames:
    """Hands out `name.json`, then `name-2.json`, `name-3.json`, ... ignoring case (zip tools on
    Windows and macOS would overwrite one with the other).

    Many ids clean to the same name (`a b`, `a:b`, `A/b`), so each stem remembers the next
    number to try: naming n colliding ids takes linear time, not a rescan of every name taken.
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()
        self._next_number: dict[str, int] = {}

    def claim(self, name: str) -> str:
        stem = name.removesuffix(".json")
        key = stem.lower()
        number = self._next_number.get(key, 2)
        while name.lower() in self._taken:
            name, number = f"{stem}-{number}.json", number + 1
        # Every number below this one is taken for good (names are never given back).
        self._next_number[key] = number
        self._taken.add(name.lower())
        return name


def _write(archive: zipfile.ZipFile, path: str, text: str) -> None:
    info = zipfile.ZipInfo(path, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, text.encode("utf-8"))
