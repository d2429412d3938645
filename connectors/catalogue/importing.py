"""Importing element templates into the catalogue.

A document (one uploaded file, one API body, one file on disk) is all or nothing: it is read,
every template in it is validated, and only when none has an error is anything written, in one
transaction. Re-importing identical content changes nothing.

A stored version never changes: other content under an id and version already in the catalogue is
refused (give the template a new version). Ids that a registered Python connector owns are written
only by `sync_registry`, which also refreshes their content when the connector is upgraded. An
entry saved from a configuration holds that one version only. Who may import at all is
`can_import` (the views and the API ask it; management commands are the operator's).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from connectors.catalogue.selectors import registry_template_ids
from connectors.elementtemplates.loading import TemplateLoadError, load_templates
from connectors.elementtemplates.validation import TemplateError, validate_templates
from connectors.models import CatalogueEntry, ConnectorKind, ImportSource, TemplateVersion
from connectors.transactions import write_transaction

# Declared in CatalogueEntry.Meta.permissions; staff have it without being granted it.
IMPORT_PERMISSION = "connectors.import_templates"
IMPORT_FORBIDDEN = (
    "Importing element templates needs the permission “Can import element templates” "
    "(connectors.import_templates); staff have it. Ask an administrator."
)


def can_import(user: Any) -> bool:
    """Whether USER may add template versions to the catalogue from the web or the API."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return bool(user.is_staff) or bool(user.has_perm(IMPORT_PERMISSION))


@dataclass(frozen=True)
class ImportedTemplate:
    template_id: str
    version: int | None
    name: str
    # "imported", "unchanged", or "updated" (only a registered connector's own template)
    status: str


@dataclass
class DocumentResult:
    """What happened to one document: its templates, or why it was rejected whole."""

    source_name: str
    templates: list[ImportedTemplate] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Imported all the same, but worth telling the person who imported it.
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    documents: list[DocumentResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for d in self.documents for t in d.templates if t.status == status)

    @property
    def failed(self) -> list[DocumentResult]:
        return [d for d in self.documents if not d.ok]

    def summary(self) -> str:
        return (
            f"{self.count('imported')} imported, {self.count('updated')} updated, "
            f"{self.count('unchanged')} unchanged, {len(self.failed)} failed"
        )


def import_documents(
    documents: Iterable[tuple[str, bytes | str]],
    *,
    source: ImportSource,
    user: Any = None,
    kind: ConnectorKind = ConnectorKind.TEMPLATE,
) -> ImportReport:
    """Import (name, raw JSON) documents; each stands or falls on its own."""
    report = ImportReport()
    for name, raw in documents:
        report.documents.append(import_document(name, raw, source=source, user=user, kind=kind))
    return report


def import_document(
    source_name: str,
    raw: bytes | str,
    *,
    source: ImportSource,
    user: Any = None,
    kind: ConnectorKind = ConnectorKind.TEMPLATE,
) -> DocumentResult:
    result = DocumentResult(source_name)
    try:
        templates = load_templates(raw)
    except TemplateLoadError as exc:
        result.errors.append(f"{source_name}: {exc}")
        return result
    return import_parsed(source_name, templates, source=source, user=user, kind=kind)


def import_parsed(
    source_name: str,
    templates: list[dict[str, Any]],
    *,
    source: ImportSource,
    user: Any = None,
    kind: ConnectorKind = ConnectorKind.TEMPLATE,
) -> DocumentResult:
    """Validate already-parsed templates and store them if every one is valid."""
    result = DocumentResult(source_name)
    if not templates:
        result.errors.append(f"{source_name}: the document holds no template")
        return result
    errors = [e for e in validate_templates(templates) if e.severity == "error"]
    if errors:
        result.errors.extend(describe_error(source_name, error) for error in errors)
        return result
    with write_transaction(CatalogueEntry):
        owned = registry_template_ids()
        conflicts = [
            f"{source_name}: {problem}"
            for template in templates
            if (problem := _conflict(template, source, owned)) is not None
        ]
        if conflicts:
            result.errors.extend(conflicts)
            return result
        touched: dict[str, CatalogueEntry] = {}
        for template in templates:
            imported, entry = _store(template, source=source, user=user, kind=kind)
            result.templates.append(imported)
            touched[entry.template_id] = entry
        for entry in touched.values():
            refresh_entry(entry)
    result.warnings.extend(
        f"{source_name}: {warning}"
        for template in templates
        for warning in unknown_groups(template)
    )
    return result


def unknown_groups(template: dict[str, Any]) -> list[str]:
    """A property naming a group the template does not define is no error: the Modeler shows
    it in its "Custom properties" group (as the configure form does). Say so at import."""
    defined = {g.get("id") for g in template.get("groups", []) if isinstance(g, dict)}
    label = f"template {template.get('id')}" + (
        f" v{template['version']}" if "version" in template else ""
    )
    warnings = []
    for prop in template.get("properties", []):
        group = prop.get("group") if isinstance(prop, dict) else None
        # a Hidden property is shown nowhere, whatever its group
        if isinstance(group, str) and group not in defined and prop.get("type") != "Hidden":
            name = prop.get("label") or prop.get("id") or prop.get("binding", {}).get("name", "?")
            warnings.append(
                f"{label}: property “{name}” is in group “{group}”, which the template does not "
                "define; it is shown under “Custom properties”, as the Modeler does"
            )
    return warnings


def describe_error(source_name: str, error: TemplateError) -> str:
    """One line a user can act on: where (file, template, JSON pointer) and what."""
    where = [source_name]
    if error.template_id:
        label = error.template_id
        if error.template_version is not None:
            label += f" v{error.template_version}"
        where.append(f"template {label}")
    elif error.index is not None:
        where.append(f"template #{error.index + 1}")
    if error.pointer:
        where.append(f"at {error.pointer}")
    return f"{', '.join(where)}: {error.message}"


def content_hash(template: dict[str, Any]) -> str:
    canonical = json.dumps(template, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _conflict(template: dict[str, Any], source: ImportSource, owned: frozenset[str]) -> str | None:
    """Why TEMPLATE may not be stored from SOURCE, or None when it may.

    OWNED are the template ids of the registered Python connectors.
    """
    template_id = template["id"]
    version = template.get("version")
    label = "the unversioned template" if version is None else f"version {version} of"
    entry = CatalogueEntry.objects.filter(template_id=template_id).first()
    from_registry = source == ImportSource.REGISTRY
    # A built-in or plugin entry stays the connector's own even when its package is gone.
    connectors_own = template_id in owned or (
        entry is not None and entry.kind != ConnectorKind.TEMPLATE
    )
    if connectors_own and not from_registry:
        return (
            f"{template_id} is the template of a Python connector (built-in or plugin); only the "
            "connector itself updates it (manage.py seed_catalogue); give your template "
            "another id"
        )
    if entry is None:
        return None
    if source == ImportSource.CONFIGURATION:
        return f"{template_id} is already in the catalogue; choose a new id"
    existing = entry.versions.filter(version=version).only("content_hash").first()
    if existing is not None and existing.content_hash != content_hash(template):
        if from_registry:
            return None  # an upgraded connector package: its own template, refreshed
        return (
            f"{label} {template_id} is already in the catalogue with different content; "
            "give the template a new version"
        )
    if existing is None and entry.versions.filter(source=ImportSource.CONFIGURATION).exists():
        return (
            f"{template_id} was saved from a configuration and holds that one version only; "
            "give your template another id"
        )
    return None


def _store(
    template: dict[str, Any], *, source: ImportSource, user: Any, kind: ConnectorKind
) -> tuple[ImportedTemplate, CatalogueEntry]:
    """Store one template `_conflict` allows: new, unchanged, or a connector's refreshed own."""
    template_id = template["id"]
    version = template.get("version")
    entry, _ = CatalogueEntry.objects.get_or_create(
        template_id=template_id, defaults={"kind": kind, "name": template.get("name", "")}
    )
    if source == ImportSource.REGISTRY:
        _reclaim(entry, kind)
    digest = content_hash(template)
    existing = entry.versions.filter(version=version).first()
    if existing is not None and existing.content_hash == digest:
        status = "unchanged"
    else:
        status = "imported" if existing is None else "updated"
        stored = existing or TemplateVersion(entry=entry, version=version)
        _fill_version(stored, template, digest, source=source, user=user)
        stored.save()
    imported = ImportedTemplate(template_id, version, template.get("name", ""), status)
    return imported, entry


def _reclaim(entry: CatalogueEntry, kind: ConnectorKind) -> None:
    """A registered connector's id is its own: versions stored by anyone else (before imports
    were guarded, or before the connector was installed) go, and the entry becomes its own."""
    entry.versions.exclude(source=ImportSource.REGISTRY).delete()
    if entry.kind != kind:
        entry.kind = kind
        entry.save(update_fields=["kind"])


def _fill_version(
    stored: TemplateVersion, template: dict[str, Any], digest: str, *, source: Any, user: Any
) -> None:
    deprecated = template.get("deprecated")
    stored.content = template
    stored.content_hash = digest
    stored.name = template.get("name", "")
    stored.job_type = job_type_of(template)
    stored.deprecated = bool(deprecated)
    stored.deprecation_message = (
        deprecated.get("message", "") if isinstance(deprecated, dict) else ""
    )
    stored.source = source
    stored.imported_by = user if getattr(user, "is_authenticated", False) else None


def job_type_of(template: dict[str, Any]) -> str:
    """The task type a worker must serve: the zeebe:taskDefinition(:type) binding's value."""
    for prop in template.get("properties", []):
        binding = prop.get("binding", {})
        kind = binding.get("type")
        is_type = (kind == "zeebe:taskDefinition" and binding.get("property") == "type") or (
            kind == "zeebe:taskDefinition:type"
        )
        if is_type and isinstance(prop.get("value"), str):
            return str(prop["value"])
    return ""


def refresh_entry(entry: CatalogueEntry) -> None:
    """Copy the default version's display fields onto the entry."""
    versions = list(entry.versions.all())
    default = choose_default(versions)
    entry.version_count = len(versions)
    entry.default_version = default
    if default is not None:
        _copy_display_fields(entry, default.content)
        entry.job_type = default.job_type
    entry.save()


def choose_default(versions: list[TemplateVersion]) -> TemplateVersion | None:
    """The newest non-deprecated version; the newest of all when every one is deprecated."""

    def newest(candidates: list[TemplateVersion]) -> TemplateVersion | None:
        return max(candidates, key=lambda v: -1 if v.version is None else v.version, default=None)

    return newest([v for v in versions if not v.deprecated]) or newest(versions)


def _copy_display_fields(entry: CatalogueEntry, template: dict[str, Any]) -> None:
    category = template.get("category") or {}
    element_type = template.get("elementType") or {}
    entry.name = template.get("name", "")
    entry.description = template.get("description", "")
    entry.category_id = category.get("id", "")
    entry.category_name = category.get("name", "")
    entry.documentation_ref = template.get("documentationRef", "")
    entry.keywords = list(template.get("keywords", []))
    entry.applies_to = list(template.get("appliesTo", []))
    entry.applies_to_index = f" {' '.join(entry.applies_to)} "
    entry.element_type = element_type.get("value", "")
    entry.has_icon = bool((template.get("icon") or {}).get("contents"))
    entry.search_text = " ".join(
        [entry.name, entry.description, " ".join(map(str, entry.keywords)), job_type_of(template)]
    ).lower()
