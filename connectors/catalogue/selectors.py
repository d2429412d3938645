"""Reading the catalogue: search and filters for the list, one entry with its versions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Substr
from django.http import Http404
from django.urls import reverse

from connectors.catalogue.addresses import UNVERSIONED
from connectors.models import CatalogueEntry, ConnectorKind, TemplateVersion
from connectors.registry import default_registry


@dataclass(frozen=True)
class CatalogueFilters:
    q: str = ""
    category: str = ""
    kind: str = ""
    applies_to: str = ""
    runs_here: bool | None = None


def runnable_job_types() -> frozenset[str]:
    """Job types a registered Python connector (built-in or plugin) implements."""

    return frozenset(connector.type for connector in default_registry().all())


def registry_template_ids() -> frozenset[str]:
    """Template ids of the registered Python connectors: only the connectors write these."""

    return frozenset(str(c.element_template()["id"]) for c in default_registry().all())


def search_entries(filters: CatalogueFilters) -> QuerySet[CatalogueEntry]:
    entries = CatalogueEntry.objects.only(
        "template_id", "kind", "name", "description", "category_name", "job_type",
        "has_icon", "version_count", "applies_to", "element_type", "default_version_id",
    ).select_related("default_version")  # fmt: skip
    entries = entries.defer("default_version__content")
    words = filters.q.lower().split()
    for word in words:
        entries = entries.filter(search_text__contains=word)
    if words:
        entries = entries.annotate(relevance=_relevance(filters.q.strip(), words))
        entries = entries.order_by("relevance", "name", "template_id")
    if filters.category:
        entries = entries.filter(category_name=filters.category)
    if filters.kind:
        entries = entries.filter(kind=filters.kind)
    if filters.applies_to:
        entries = entries.filter(applies_to_index__contains=f" {filters.applies_to} ")
    if filters.runs_here is not None:
        runnable = Q(job_type__in=runnable_job_types())
        entries = entries.filter(runnable if filters.runs_here else ~runnable)
    return entries


def _relevance(query: str, words: list[str]) -> Case:
    """0 for the name itself, 1 for a name holding every word, 2 for one word, 3 for a match
    in the description, keywords or job type only: what a person typing a name looks for first."""
    every = Q()
    for word in words:
        every &= Q(name__icontains=word)
    some = Q()
    for word in words:
        some |= Q(name__icontains=word)
    return Case(
        When(name__iexact=query, then=Value(0)),
        When(every, then=Value(1)),
        When(some, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


# BPMN's own spelling where splitting the element's name would not give it.
_ELEMENT_LABELS = {"bpmn:SubProcess": "Sub-process", "bpmn:AdHocSubProcess": "Ad-hoc sub-process"}


def element_label(element: str) -> str:
    """`bpmn:IntermediateCatchEvent` -> `Intermediate catch event`, as the Modeler names it."""
    if element in _ELEMENT_LABELS:
        return _ELEMENT_LABELS[element]
    words = re.findall(r"[A-Z]+[a-z]*|[a-z]+", element.rpartition(":")[2])
    return " ".join(words).capitalize() or element


@dataclass(frozen=True)
class JobTypeTwin:
    """Another catalogue entry for the same job type: one is a registered Python connector's
    own template (built-in or plugin), the other an imported one."""

    template_id: str
    name: str
    registered: bool


@dataclass(frozen=True)
class Lookalikes:
    """What tells these entries apart from others in the catalogue (read in one query)."""

    shared_names: frozenset[str]  # names another entry has too
    # A registered connector's template id -> the imported templates of its job type, best
    # first; the best of those -> the registered one(s).
    twins: dict[str, list[JobTypeTwin]]


def lookalikes(entries: list[CatalogueEntry]) -> Lookalikes:
    """Entries sharing a name with these, and the registered/imported pairs for one job type
    (e.g. the built-in REST connector and Camunda's REST template, both
    `io.camunda:http-json:1`)."""
    names = {entry.name for entry in entries}
    job_types = {entry.job_type for entry in entries if entry.job_type}
    rows = CatalogueEntry.objects.filter(Q(name__in=names) | Q(job_type__in=job_types))
    # The template to recommend first: a current one (not deprecated) with the most versions.
    rows = rows.order_by(F("default_version__deprecated").asc(nulls_last=True), "-version_count")
    name_count: dict[str, int] = {}
    by_type: dict[str, list[JobTypeTwin]] = {}
    for template_id, name, kind, job_type in rows.values_list(
        "template_id", "name", "kind", "job_type"
    ):
        name_count[name] = name_count.get(name, 0) + (name in names)
        twin = JobTypeTwin(template_id, name, kind != ConnectorKind.TEMPLATE)
        by_type.setdefault(job_type, []).append(twin)
    twins: dict[str, list[JobTypeTwin]] = {}
    for entry in entries:
        same = by_type.get(entry.job_type, []) if entry.job_type else []
        registered = [t for t in same if t.registered]
        imported = [t for t in same if not t.registered]
        if not (registered and imported):
            continue
        if entry.kind != ConnectorKind.TEMPLATE:
            twins[entry.template_id] = imported
        elif imported[0].template_id == entry.template_id:
            # Only the imported template to recommend says so; older or deprecated ones, and
            # Camunda's prebuilt connectors on the same job type, stay quiet.
            twins[entry.template_id] = registered
    shared = frozenset(name for name, count in name_count.items() if count > 1)
    return Lookalikes(shared, twins)


def facet_options() -> dict[str, list[tuple[str, str]]]:
    """The choices of the filter selects, from what is in the catalogue (one query)."""
    categories: set[str] = set()
    applies: set[str] = set()
    for category, values in CatalogueEntry.objects.values_list("category_name", "applies_to"):
        categories.add(category)
        applies.update(values)
    categories.discard("")
    return {
        "categories": [(c, c) for c in sorted(categories)],
        "kinds": list(ConnectorKind.choices),
        "applies_to": sorted(((a, element_label(a)) for a in applies), key=lambda o: o[1]),
    }


def get_entry(template_id: str) -> CatalogueEntry:
    try:
        return CatalogueEntry.objects.select_related("default_version").get(template_id=template_id)
    except CatalogueEntry.DoesNotExist:
        raise Http404(f"No connector with template id {template_id!r}") from None


def get_version(entry: CatalogueEntry, version: int | str | None) -> TemplateVersion:
    """A version by number, the one without a number for UNVERSIONED, or the entry's default
    version when `version` is None."""
    if version is None and entry.default_version is not None:
        return entry.default_version
    number = None if version == UNVERSIONED else version
    found = entry.versions.filter(version=number).first()
    if found is None:
        missing = "no version without a number" if number is None else f"no version {version}"
        raise Http404(f"{entry.template_id} has {missing}")
    return found


def version_list(entry: CatalogueEntry) -> list[TemplateVersion]:
    versions = entry.versions.defer("content").select_related("imported_by")
    return list(versions.order_by(F("version").desc(nulls_last=True)))


# Only this much of an icon's `contents` is read for the list: enough for a data: URI's header.
MAX_ICON_HEADER = 2048
_MIME_PART = r"[A-Za-z0-9!#$&^_.+-]+"  # an RFC 2045 token, without what needs quoting
# `data:image/<subtype>[;param[=value]]...[;base64],`: an image type and nothing a response
# header could not carry (a CR/LF in it once made the icon view fail with a 500).
_DATA_IMAGE = re.compile(rf"data:(image/{_MIME_PART})((?:;{_MIME_PART}(?:={_MIME_PART})?)*),")


def icon_contents(entries: list[CatalogueEntry]) -> dict[int, str]:
    """entry pk -> the start of its default version's icon `contents`, in one query.

    Only the first MAX_ICON_HEADER + 1 characters are read: enough to tell a data: image by its
    header, without loading every embedded image.
    """
    by_version = {e.default_version_id: e.pk for e in entries if e.has_icon}
    rows = (
        TemplateVersion.objects.filter(pk__in=by_version)
        .annotate(icon_start=Substr(KT("content__icon__contents"), 1, MAX_ICON_HEADER + 1))
        .values_list("pk", "icon_start")
    )
    return {by_version[pk]: start for pk, start in rows if isinstance(start, str)}


def data_image(contents: str) -> tuple[str, bool, int] | None:
    """(media type, base64?, where the data starts) of a well-formed data: image URI."""
    match = _DATA_IMAGE.match(contents, endpos=MAX_ICON_HEADER + 1)
    if match is None:
        return None
    params = match[2].lower().split(";")
    return match[1].lower(), params[-1] == "base64", match.end()


def icon_src(template_id: str, contents: str) -> str | None:
    """What an <img src> shows for an icon: a well-formed data: image, through `entry_icon`.

    Anything else (an https URL included) shows the placeholder: a viewer's browser never
    contacts a host that whoever imported the template chose, and the hub fetches nothing.
    """
    if data_image(contents) is not None:
        return reverse("catalogue-icon", args=[template_id])
    return None


def entry_icon_src(entry: CatalogueEntry) -> str | None:
    """The icon of the entry's default version, for one page (the list reads them in bulk)."""
    return icon_src(entry.template_id, entry_icon_contents(entry))


def entry_icon_contents(entry: CatalogueEntry) -> str:
    template = entry.default_version.content if entry.default_version else {}
    icon = template.get("icon")
    return str(icon.get("contents", "")) if isinstance(icon, dict) else ""
