"""Round trip over the official corpus: import every template, export, and compare."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from connectors.elementtemplates import ElementTemplate
from connectors.export import TEMPLATES_FOLDER, Selection, export_selection, to_zip
from tests.elementtemplates.corpus import corpus_templates

pytestmark = pytest.mark.django_db


def key(template: dict[str, Any]) -> tuple[str, int | None]:
    return template["id"], template.get("version")


def modelled(template: dict[str, Any]) -> dict[str, Any]:
    """What the hub reads: properties, bindings, conditions, constraints, groups, ..."""
    return ElementTemplate.from_dict(template).to_dict()


def exported_from_zip(archive: bytes) -> dict[tuple[str, int | None], dict[str, Any]]:
    files = zipfile.ZipFile(io.BytesIO(archive))
    found: dict[tuple[str, int | None], dict[str, Any]] = {}
    for name in files.namelist():
        assert name.startswith(f"{TEMPLATES_FOLDER}/") and name.endswith(".json"), name
        data = json.loads(files.read(name))
        for template in data if isinstance(data, list) else [data]:
            assert key(template) not in found, key(template)
            found[key(template)] = template
    return found


def test_every_corpus_template_comes_back_equivalent(whole_corpus):
    originals = {key(t): t for t in corpus_templates()}

    result = export_selection(Selection())
    exported = exported_from_zip(to_zip(result))

    assert result.problems == []
    missing = sorted(set(originals) - set(exported), key=str)
    assert not missing, missing[:10]
    differing = [k for k, original in originals.items() if exported[k] != original]
    assert not differing, differing[:10]
    assert all(modelled(exported[k]) == modelled(o) for k, o in originals.items())
