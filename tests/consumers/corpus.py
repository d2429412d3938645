"""Camunda's inbound templates from the pinned corpus, filled in as the Modeler would: the
`zeebe:property` entries an element carries, by their dotted names (what the inbound runtime
hands a consumer as `context.properties`)."""

from __future__ import annotations

import json
from typing import Any

from tests.elementtemplates.corpus import CORPUS_DIR


def inbound_templates(*file_names: str) -> list[dict[str, Any]]:
    """Every version in FILE_NAMES (one template or an array per file)."""
    found: list[dict[str, Any]] = []
    for name in file_names:
        data = json.loads((CORPUS_DIR / name).read_text(encoding="utf-8"))
        found.extend(data if isinstance(data, list) else [data])
    return found


def template_id(tpl: dict[str, Any]) -> str:
    return f"{tpl['id'].rsplit('.', 2)[-2]}-v{tpl.get('version', 0)}"


def element_properties(tpl: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The element's `zeebe:property` values: VALUES (by binding name) where the template has
    an active property of that name, else the property's default; inactive ones left out."""
    props = [p for p in tpl["properties"] if p.get("binding", {}).get("type") == "zeebe:property"]
    by_id = {p["id"]: p for p in tpl["properties"] if "id" in p}
    chosen: dict[str, Any] = {}
    for _ in range(3):  # conditions may depend on properties decided in the round before
        chosen = {}
        for prop in props:
            name = prop["binding"]["name"]
            if not _active(prop.get("condition"), by_id, chosen, values):
                continue
            if name in values and prop.get("type") != "Hidden":
                chosen[name] = values[name]
            elif "value" in prop and name not in chosen:
                chosen[name] = prop["value"]
    return {k: v for k, v in chosen.items() if v is not None}


def _active(
    condition: dict[str, Any] | None,
    by_id: dict[str, dict[str, Any]],
    chosen: dict[str, Any],
    values: dict[str, Any],
) -> bool:
    if not condition:
        return True
    if "allMatch" in condition:
        return all(_active(c, by_id, chosen, values) for c in condition["allMatch"])
    target = by_id.get(condition["property"], {})
    name = target.get("binding", {}).get("name", condition["property"])
    current = chosen.get(name, values.get(name, target.get("value")))
    if "equals" in condition:
        return str(current).lower() == str(condition["equals"]).lower()
    if "oneOf" in condition:
        return current in condition["oneOf"]
    if "isEmpty" in condition:
        return (current in (None, "")) == condition["isEmpty"]
    if "isActive" in condition:
        return (name in chosen) == condition["isActive"]
    return True
