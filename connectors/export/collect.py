"""What an export holds: templates from the catalogue, the registry and Camunda 7, each checked.

Every template is validated again on the way out (the schema may have moved on since it was
imported); one that no longer validates is left out and reported with its reasons, and the rest
is exported. Templates generated for Python connectors (built-in and plugins) are completed with
what the Modeler shows for a connector but the SDK leaves optional: `engines`, an icon and a
documentation link.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import F

from connectors.elementtemplates import validate_template
from connectors.export.camunda7 import camunda7_templates, is_camunda7, validate_camunda7
from connectors.export.camunda7_external import external_task_templates
from connectors.export.generated import complete_generated
from connectors.models import CatalogueEntry, ConnectorKind, TemplateVersion
from connectors.registry import default_registry

Platform = Literal["camunda8", "camunda7"]
Versions = Literal["all", "default"]


@dataclass(frozen=True)
class ExportedTemplate:
    """One template as it is written out."""

    template: dict[str, Any]
    platform: Platform = "camunda8"

    @property
    def template_id(self) -> str:
        return str(self.template["id"])

    @property
    def version(self) -> int | None:
        version = self.template.get("version")
        return version if isinstance(version, int) else None

    @property
    def label(self) -> str:
        return _label(self.template_id, self.version)


@dataclass(frozen=True)
class ExportProblem:
    """A template that was left out, and why (each reason names the place in the template)."""

    template_id: str
    version: int | None
    reasons: list[str]

    @property
    def label(self) -> str:
        return _label(self.template_id, self.version)

    def __str__(self) -> str:
        return f"{self.label}: " + "; ".join(self.reasons)


@dataclass
class ExportResult:
    templates: list[ExportedTemplate] = field(default_factory=list)
    problems: list[ExportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        text = f"{len(self.templates)} template{'s' if len(self.templates) != 1 else ''} exported"
        if self.problems:
            text += f", {len(self.problems)} left out because they no longer validate"
        return text


@dataclass(frozen=True)
class Selection:
    """Which templates to export: entries by template id (all of them when `ids` is empty)."""

    ids: Sequence[str] = ()
    versions: Versions = "all"
    camunda7: bool = False
    # The hub's address, for documentation links of generated templates ("" leaves them out).
    base_url: str = ""


def export_selection(selection: Selection) -> ExportResult:
    """The templates of `selection`, validated; unknown ids are reported like invalid ones."""
    result = ExportResult()
    entries = _entries(selection.ids, result)
    for entry, version in _versions(entries, selection.versions):
        _add(result, version.content, entry.kind, selection.base_url, entry.template_id)
    if not selection.ids:
        known = {entry.template_id for entry in entries}
        for template in _registry_templates():
            if template["id"] not in known:
                _add(result, template, ConnectorKind.BUILTIN, selection.base_url, template["id"])
    if selection.camunda7:
        for template in camunda7_everything(selection.base_url):
            _add(result, template, ConnectorKind.TEMPLATE, "", template["id"])
    return result


def camunda7_everything(base_url: str = "") -> list[dict[str, Any]]:
    """Every Camunda 7 template the hub offers: the engine's own `camunda:connector` ones, and
    an external task template per registered connector (served by the Camunda 7 worker)."""
    return [*camunda7_templates(), *external_task_templates(base_url=base_url)]


def export_version(version: TemplateVersion, *, base_url: str = "") -> ExportResult:
    """One catalogue version."""
    result = ExportResult()
    _add(result, version.content, version.entry.kind, base_url, version.entry.template_id)
    return result


def export_templates(templates: Iterable[dict[str, Any]]) -> ExportResult:
    """Templates that are not in the catalogue (e.g. made on the fly), checked the same way."""
    result = ExportResult()
    for template in templates:
        _add(result, template, ConnectorKind.TEMPLATE, "", str(template.get("id", "")))
    return result


def _add(
    result: ExportResult, template: dict[str, Any], kind: str, base_url: str, template_id: str
) -> None:
    if kind in (ConnectorKind.BUILTIN, ConnectorKind.CUSTOM):
        template = complete_generated(template, template_id=template_id, base_url=base_url)
    if is_camunda7(template):
        reasons = validate_camunda7(template)
        platform: Platform = "camunda7"
    else:
        errors = [e for e in validate_template(template) if e.severity == "error"]
        reasons = [f"{e.pointer or '/'}: {e.message}" for e in errors]
        platform = "camunda8"
    if reasons:
        version = template.get("version")
        result.problems.append(
            ExportProblem(template_id, version if isinstance(version, int) else None, reasons)
        )
    else:
        result.templates.append(ExportedTemplate(template, platform))


def _entries(ids: Sequence[str], result: ExportResult) -> list[CatalogueEntry]:
    entries = CatalogueEntry.objects.order_by("name", "template_id")
    if not ids:
        return list(entries)
    found = {e.template_id: e for e in entries.filter(template_id__in=list(ids))}
    for template_id in dict.fromkeys(ids):
        if template_id not in found:
            result.problems.append(
                ExportProblem(template_id, None, ["no connector with this id in the catalogue"])
            )
    return [found[t] for t in dict.fromkeys(ids) if t in found]


def _versions(
    entries: list[CatalogueEntry], versions: Versions
) -> list[tuple[CatalogueEntry, TemplateVersion]]:
    if versions == "default":
        by_pk = TemplateVersion.objects.in_bulk(
            [e.default_version_id for e in entries if e.default_version_id]
        )
        return [(e, by_pk[e.default_version_id]) for e in entries if e.default_version_id in by_pk]
    by_entry: dict[int, list[TemplateVersion]] = {}
    rows = TemplateVersion.objects.filter(entry__in=entries).order_by(
        "entry_id", F("version").asc(nulls_first=True)
    )
    for version in rows:
        by_entry.setdefault(version.entry_id, []).append(version)
    return [(e, v) for e in entries for v in by_entry.get(e.pk, [])]


def _registry_templates() -> list[dict[str, Any]]:
    return [connector.element_template() for connector in default_registry().all()]


def _label(template_id: str, version: int | None) -> str:
    return template_id if version is None else f"{template_id} v{version}"
