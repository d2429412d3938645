"""Importing an API description: a preview (templates, operations, what is left out and why),
then saving it through the catalogue's own import, with the same validation.

A template keeps its id across re-imports; its version is the stored version with the same
content, else one more than the newest stored: a new API version becomes a new template
version, and importing the same description again changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from connectors.catalogue.importing import DocumentResult, content_hash, import_parsed
from connectors.elementtemplates.validation import validate_template
from connectors.models import CatalogueEntry, ImportSource

from .errors import ApiDescriptionError
from .fetching import fetch_url, url_retriever
from .generating import Options, Part, api_template, operation_template, split
from .model import Api, Operation, Skipped
from .openapi import read_openapi
from .postman import read_postman
from .reading import Kind, parse_document, read_description
from .refs import ROOT_URI, Retrieve


@dataclass
class GeneratedTemplate:
    template: dict[str, Any]
    operations: list[Operation]


@dataclass
class Preview:
    """What an import would store; nothing is stored yet."""

    source_name: str
    kind: Kind
    api: Api
    templates: list[GeneratedTemplate] = field(default_factory=list)

    @property
    def skipped(self) -> list[Skipped]:
        return self.api.skipped

    @property
    def operation_count(self) -> int:
        return sum(len(t.operations) for t in self.templates) + len(self.skipped)

    def report_lines(self) -> list[str]:
        lines = [
            f"{self.source_name}: {self.kind}, {self.api.title} {self.api.version}".rstrip(),
            f"{self.operation_count - len(self.skipped)} of {self.operation_count} operations "
            f"in {len(self.templates)} template(s)",
        ]
        lines += [
            f"  {t.template['id']} v{t.template['version']}: {len(t.operations)} operation(s)"
            for t in self.templates
        ]
        lines += [
            f"  not imported: {s.method} {s.path} ({s.key}): {s.reason}" for s in self.skipped
        ]
        lines += [f"  note: {w}" for w in self.api.warnings]
        return lines


def api_preview(
    raw: bytes | str,
    *,
    source_name: str,
    options: Options | None = None,
    operations: list[str] | None = None,
    source_url: str = "",
    retrieve: Retrieve | None = None,
) -> Preview:
    """Read, check and turn RAW into templates; ApiDescriptionError says why it cannot be."""
    options = options or Options()
    description = read_description(raw, base_uri=source_url or ROOT_URI, retrieve=retrieve)
    if description.kind == Kind.POSTMAN_21:
        api = read_postman(description)
    else:
        api = read_openapi(description, source_url=source_url)
    if operations:
        _keep_only(api, operations)
    preview = Preview(source_name, description.kind, api)
    if options.per_operation:
        for op in list(api.operations):
            _add_checked(preview, [op], lambda ops: operation_template(api, ops[0], options))
    else:
        for part in split(api.operations):
            _add_checked(preview, part.operations, _part_builder(api, part, options))
    if not api.operations and not api.skipped:
        raise ApiDescriptionError("the description defines no operations", pointer="/paths")
    if not preview.templates:
        reasons = "; ".join(f"{s.key}: {s.reason}" for s in api.skipped[:5])
        raise ApiDescriptionError(f"no operation can become a template: {reasons}")
    _assign_versions(preview)
    return preview


def _part_builder(api: Api, part: Part, options: Options) -> Callable[[list[Operation]], Any]:
    def build(ops: list[Operation]) -> dict[str, Any]:
        return api_template(api, Part(part.suffix, part.label, ops), options)

    return build


def _add_checked(
    preview: Preview, ops: list[Operation], build: Callable[[list[Operation]], Any]
) -> None:
    """Add the template for OPS if it is valid; otherwise find the operations that make it
    invalid (each alone), name them as skipped, and add the template of the rest."""
    template = build(ops)
    if not _errors(template):
        preview.templates.append(GeneratedTemplate(template, ops))
        return
    good = []
    for op in ops:
        errors = _errors(build([op]))
        if errors:
            preview.api.skipped.append(
                Skipped(
                    op.key, op.method, op.path, f"the generated template is invalid: {errors[0]}"
                )
            )
        else:
            good.append(op)
    if good:
        template = build(good)
        if not _errors(template):
            preview.templates.append(GeneratedTemplate(template, good))


def _errors(template: dict[str, Any]) -> list[str]:
    return [
        f"{e.pointer}: {e.message}" for e in validate_template(template) if e.severity == "error"
    ]


def _keep_only(api: Api, wanted: list[str]) -> None:
    """Keep the operations named by key (operationId) or as "METHOD /path"."""
    names = {w.strip() for w in wanted if w.strip()}
    known = {op.key for op in api.operations} | {f"{op.method} {op.path}" for op in api.operations}
    known |= {s.key for s in api.skipped} | {f"{s.method} {s.path}" for s in api.skipped}
    unknown = sorted(names - known)
    if unknown:
        raise ApiDescriptionError(f"no such operation: {', '.join(unknown)}")
    api.operations = [
        op for op in api.operations if op.key in names or f"{op.method} {op.path}" in names
    ]
    api.skipped = [s for s in api.skipped if s.key in names or f"{s.method} {s.path}" in names]


def _assign_versions(preview: Preview) -> None:
    for generated in preview.templates:
        template = generated.template
        entry = CatalogueEntry.objects.filter(template_id=template["id"]).first()
        stored = list(entry.versions.values_list("version", "content_hash")) if entry else []
        newest = max((v for v, _ in stored if v is not None), default=0)
        version = next(
            (
                v
                for v, digest in stored
                if v is not None and content_hash(_versioned(template, v)) == digest
            ),
            newest + 1,
        )
        generated.template = _versioned(template, version)


def _versioned(template: dict[str, Any], version: int) -> dict[str, Any]:
    props = [
        {**p, "value": str(version)}
        if p.get("binding", {}).get("key") == "elementTemplateVersion"
        else p
        for p in template["properties"]
    ]
    return {**template, "version": version, "properties": props}


def api_import(preview: Preview, *, source: ImportSource, user: Any = None) -> DocumentResult:
    """Store the preview's templates (all or nothing), checked as every import is."""
    templates = [t.template for t in preview.templates]
    return import_parsed(preview.source_name, templates, source=source, user=user)


def file_retriever(folder: Path) -> Retrieve:
    """Relative `$ref`s of a description on disk: files in its own folder (and below) only."""
    root = folder.resolve()

    def retrieve(uri: str) -> Any:
        parsed = urlparse(uri)
        target = Path(unquote(parsed.path)).resolve()
        if parsed.scheme != "file" or not target.is_relative_to(root) or not target.is_file():
            raise ApiDescriptionError(
                f"{uri}: only files beside the description can be referred to"
            )
        return parse_document(target.read_bytes())

    return retrieve


def api_preview_from_url(url: str, **kwargs: Any) -> Preview:
    """Fetch URL under the egress policy (its relative `$ref`s too) and preview it."""
    raw = fetch_url(url)
    return api_preview(raw, source_name=url, source_url=url, retrieve=url_retriever(), **kwargs)
