"""Test suites as files: a connector's saved configurations, their test cases and recordings,
written to and read from one folder per connector, to keep in git and run in CI.

    <folder>/<template id>/
        template.json                 the element template versions the cases use
        <case>.json                   one per configuration: name, template_version, values,
                                      variables, expect (outcome, error_code, conditions) or null
        <case>.recording.json         its recording, if it has one

JSON with sorted keys and two-space indents, one file per case, so a change is a small diff;
a recorded body that is JSON is written as `body_json` (a JSON value over several lines)
instead of `body` (one long string). Values keep secret references (`{{secrets.NAME}}`) as
typed; a credential typed in plain text is written as `***` (connectors.configure.masked_values),
and recordings hold no secret value (the runtime redacted them).

Import never overwrites silently: a configuration of the same name that differs is a
conflict, and nothing is written unless `force` is given.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from connectors.catalogue.importing import import_documents
from connectors.configure import masked_values
from connectors.elementtemplates import ElementTemplate
from connectors.models import (
    ImportSource,
    RunTestCase,
    SavedConfiguration,
    TemplateVersion,
)
from connectors.network.recording import RecordingError, check_recording
from connectors.runs.recordings import recording_for, shown_recording
from connectors.runs.testcases import save_test_case

TEMPLATE_FILE = "template.json"
RECORDING_SUFFIX = ".recording.json"


class SuiteError(ValueError):
    """A suite folder that cannot be read, or an import that would overwrite (conflicts)."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    test_cases: list[RunTestCase] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def export_suite(*, template_id: str, owner: Any, folder: Path) -> Path:
    """Write OWNER's configurations of TEMPLATE_ID (with test cases and recordings) under
    FOLDER/<template id>/; returns that folder. Files of cases no longer there are removed."""
    target = folder / _safe(template_id)
    target.mkdir(parents=True, exist_ok=True)
    configurations = SavedConfiguration.objects.filter(
        owner=owner, template_id=template_id
    ).order_by("name")
    written: set[str] = set()
    versions: set[int | None] = set()
    for configuration in configurations:
        slug = _unique(_safe(configuration.name), written)
        written.add(slug)
        versions.add(configuration.template_version)
        _write(target / f"{slug}.json", _case_document(configuration))
        recording = _recording(configuration)
        if recording is not None:
            recording = shown_recording(recording, configuration)
            _write(target / f"{slug}{RECORDING_SUFFIX}", _readable(recording))
            written.add(slug + RECORDING_SUFFIX.removesuffix(".json"))
    _write(target / TEMPLATE_FILE, _templates(template_id, versions))
    for stale in target.glob("*.json"):
        if stale.name != TEMPLATE_FILE and stale.name.removesuffix(".json") not in written:
            stale.unlink()
    return target


def _case_document(configuration: SavedConfiguration) -> dict[str, Any]:
    version = TemplateVersion.objects.filter(
        entry__template_id=configuration.template_id, version=configuration.template_version
    ).first()
    template = ElementTemplate.from_dict(version.content) if version is not None else None
    test_case = RunTestCase.objects.filter(configuration=configuration).first()
    expect = None
    if test_case is not None:
        expect = {
            "outcome": test_case.expected_outcome,
            "error_code": test_case.expected_error_code,
            "conditions": list(test_case.conditions),
        }
    return {
        "name": configuration.name,
        "template_id": configuration.template_id,
        "template_version": configuration.template_version,
        "values": masked_values(template, configuration.values),
        "variables": configuration.variables,
        "expect": expect,
    }


def _recording(configuration: SavedConfiguration) -> dict[str, Any] | None:
    test_case = RunTestCase.objects.filter(configuration=configuration).first()
    return recording_for(test_case) if test_case is not None else None


def _templates(template_id: str, versions: set[int | None]) -> list[dict[str, Any]]:
    found = TemplateVersion.objects.filter(entry__template_id=template_id)
    return [v.content for v in sorted(found, key=lambda v: v.version or 0) if v.version in versions]


def _readable(recording: dict[str, Any]) -> dict[str, Any]:
    """RECORDING with JSON bodies as JSON values (`body_json`), one value per line in a diff."""
    copy = json.loads(json.dumps(recording))
    for entry in copy.get("exchanges", []):
        for side in ("request", "response"):
            part = entry.get(side) or {}
            body = part.get("body")
            if isinstance(body, str) and body.strip()[:1] in ("{", "["):
                try:
                    part["body_json"] = json.loads(body)
                except ValueError:
                    continue
                del part["body"]
    return copy


def _plain(recording: Any) -> Any:
    """The inverse of `_readable`: `body_json` back to `body` text."""
    if not isinstance(recording, dict):
        return recording
    for entry in recording.get("exchanges", []):
        for side in ("request", "response"):
            part = entry.get(side) if isinstance(entry, dict) else None
            if isinstance(part, dict) and "body_json" in part:
                part["body"] = json.dumps(part.pop("body_json"), ensure_ascii=False)
    return recording


def _write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "case"


def _unique(slug: str, taken: set[str]) -> str:
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    return candidate


# --------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------


@dataclass
class _Case:
    path: Path
    document: dict[str, Any]
    recording: dict[str, Any] | None


def suite_folders(path: Path) -> list[Path]:
    """The connector folders under PATH: PATH itself when it holds a template.json, else its
    subfolders that do. SuiteError when there is none."""
    if not path.is_dir():
        raise SuiteError(f"{path}: no such folder")
    if (path / TEMPLATE_FILE).is_file():
        return [path]
    folders = sorted(p for p in path.iterdir() if (p / TEMPLATE_FILE).is_file())
    if not folders:
        raise SuiteError(f"{path}: no suite here (a connector's folder holds {TEMPLATE_FILE})")
    return folders


def import_suites(
    *,
    path: Path,
    owner: Any,
    force: bool = False,
    templates: bool = True,
    source: ImportSource = ImportSource.COMMAND,
) -> ImportReport:
    """Import every connector folder under PATH as OWNER's configurations and test cases, in
    one transaction. SuiteError names the conflicts (same name, other content) unless FORCE,
    and any file it cannot read; then nothing is written. Template versions the catalogue
    lacks are imported from the suite when TEMPLATES (the web UI passes whether OWNER may
    import templates), else they are an error naming them."""
    report = ImportReport()
    with transaction.atomic():
        for folder in suite_folders(path):
            _import_templates(folder / TEMPLATE_FILE, owner if templates else None, source)
            _import_folder(folder, owner, force, report)
        if report.conflicts and not force:
            raise SuiteError(
                "These configurations exist with other content and were not overwritten "
                "(import with --force, or the form's overwrite choice, to replace them): "
                + ", ".join(report.conflicts)
            )
    return report


def _import_folder(folder: Path, owner: Any, force: bool, report: ImportReport) -> None:
    for case in _cases(folder):
        name = str(case.document.get("name") or "")
        if not name:
            raise SuiteError(f"{case.path}: name: must not be empty")
        existing = SavedConfiguration.objects.filter(owner=owner, name=name).first()
        if existing is not None and _same(existing, case):
            report.unchanged.append(name)
            report.test_cases += list(RunTestCase.objects.filter(configuration=existing))
            continue
        if existing is not None and not force:
            report.conflicts.append(name)
            continue
        (report.updated if existing else report.created).append(name)
        test_case = _save(owner, existing, case)
        if test_case is not None:
            report.test_cases.append(test_case)


def _import_templates(path: Path, importer: Any, source: ImportSource) -> None:
    """The suite's template versions that the catalogue lacks (an empty hub), imported as
    IMPORTER's; None: not allowed to, and a missing version is an error."""
    templates = _read(path)
    if not isinstance(templates, list):
        raise SuiteError(f"{path}: must be a list of element templates")
    missing = [
        t
        for t in templates
        if isinstance(t, dict)
        and not TemplateVersion.objects.filter(
            entry__template_id=t.get("id"), version=t.get("version")
        ).exists()
    ]
    if missing and importer is None:
        names = ", ".join(f"{t.get('id')} v{t.get('version')}" for t in missing)
        raise SuiteError(
            f"{path}: the catalogue lacks {names}, and you may not import templates: ask "
            "someone who may to import them first"
        )
    if missing:
        report = import_documents([(path.name, json.dumps(missing))], source=source, user=importer)
        if report.failed:
            raise SuiteError(f"{path}: the templates could not be imported: {report.failed}")


def _cases(folder: Path) -> list[_Case]:
    cases = []
    for path in sorted(folder.glob("*.json")):
        if path.name == TEMPLATE_FILE or path.name.endswith(RECORDING_SUFFIX):
            continue
        document = _read(path)
        if not isinstance(document, dict):
            raise SuiteError(f"{path}: must be a JSON object")
        for key, kind in (("values", dict), ("variables", dict), ("template_id", str)):
            if not isinstance(document.get(key), kind):
                raise SuiteError(f"{path}: {key}: must be a JSON {kind.__name__}")
        recording_path = path.with_name(path.name.removesuffix(".json") + RECORDING_SUFFIX)
        recording = None
        if recording_path.is_file():
            try:
                recording = check_recording(_plain(_read(recording_path)))
            except RecordingError as exc:
                raise SuiteError(f"{recording_path}: {exc}") from None
        cases.append(_Case(path, document, recording))
    return cases


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SuiteError(f"{path}: cannot be read as JSON: {exc}") from None


def _same(existing: SavedConfiguration, case: _Case) -> bool:
    document = case.document
    test_case = RunTestCase.objects.filter(configuration=existing).first()
    expect = _expect(document)
    return (
        existing.template_id == document["template_id"]
        and existing.template_version == document.get("template_version")
        and existing.values == document["values"]
        and existing.variables == document["variables"]
        and (test_case is None) == (expect is None)
        and (
            test_case is None
            or (
                test_case.expected_outcome == expect["outcome"]
                and test_case.expected_error_code == expect["error_code"]
                and list(test_case.conditions) == expect["conditions"]
                and (case.recording is None or test_case.recording == case.recording)
            )
        )
    )


def _expect(document: dict[str, Any]) -> dict[str, Any] | None:
    expect = document.get("expect")
    if not isinstance(expect, dict):
        return None
    return {
        "outcome": str(expect.get("outcome") or ""),
        "error_code": str(expect.get("error_code") or ""),
        "conditions": [str(c) for c in expect.get("conditions") or []],
    }


def _save(owner: Any, existing: SavedConfiguration | None, case: _Case) -> RunTestCase | None:
    document = case.document
    configuration = existing or SavedConfiguration(owner=owner, name=document["name"])
    configuration.template_id = document["template_id"]
    configuration.template_version = document.get("template_version")
    configuration.values = document["values"]
    configuration.variables = document["variables"]
    configuration.save()
    expect = _expect(document)
    if expect is None:
        RunTestCase.objects.filter(configuration=configuration).delete()
        return None
    try:
        test_case = save_test_case(
            configuration=configuration,
            expected_outcome=expect["outcome"],
            expected_error_code=expect["error_code"],
            conditions=expect["conditions"],
        )
    except ValidationError as exc:
        raise SuiteError(f"{case.path}: expect: {'; '.join(exc.messages)}") from None
    test_case.recording = case.recording
    test_case.save(update_fields=["recording"])
    return test_case


# --------------------------------------------------------------------------------------------
# A suite as a zip (the test cases page)
# --------------------------------------------------------------------------------------------

MAX_ZIP_ENTRIES = 1000
MAX_ZIP_BYTES = 50 * 1024 * 1024  # unpacked; a suite is text
# no part may start with a dot: neither `..` nor hidden files
_ENTRY = re.compile(r"(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)?[A-Za-z0-9_-][A-Za-z0-9._-]*\.json")


def unpack_suite(archive: Any, folder: Path) -> Path:
    """The JSON files of ARCHIVE (a zip as `Download suite` makes it: FOLDER/<connector>/*.json)
    written under FOLDER; SuiteError for anything else (other paths, too many or too large
    files), before anything is written."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            entries = [e for e in zipped.infolist() if not e.is_dir()]
            if len(entries) > MAX_ZIP_ENTRIES:
                raise SuiteError(f"the zip holds more than {MAX_ZIP_ENTRIES} files")
            if sum(e.file_size for e in entries) > MAX_ZIP_BYTES:
                raise SuiteError(f"the zip unpacks to more than {MAX_ZIP_BYTES} bytes")
            odd = [e.filename for e in entries if not _ENTRY.fullmatch(e.filename)]
            if odd:
                raise SuiteError(
                    "the zip may hold only <connector>/<file>.json files; not: "
                    + ", ".join(odd[:5])
                )
            for entry in entries:
                target = folder / entry.filename
                if not target.resolve().is_relative_to(folder.resolve()):
                    raise SuiteError(f"{entry.filename}: outside the suite's folder")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zipped.read(entry))
    except zipfile.BadZipFile as exc:
        raise SuiteError(f"not a zip file: {exc}") from None
    return folder
