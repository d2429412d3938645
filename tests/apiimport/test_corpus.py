"""Real-world descriptions, pinned and fetched at test time (.ci/fetch-api-corpus):
@readme/oas-examples (OpenAPI 3.0, 3.1 and Swagger 2.0 examples) and GitHub's own description in
@octokit/openapi. At least 95 % of their operations become templates that our validator and the
Modeler's own (@bpmn-io/element-templates-validator) accept; each of the rest has a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.apiimport.errors import ApiDescriptionError
from connectors.apiimport.services import Preview
from tests.apiimport.conftest import corpus_root, preview_of
from tests.elementtemplates.corpus import reference_verdicts

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("api-corpus")]


def oas_examples() -> list[Path]:
    root = corpus_root() / "@readme" / "oas-examples"
    return sorted(root.glob("*/json/*.json")) + sorted(root.glob("*/yaml/*.yaml"))


def assert_mostly_imported(previews: list[Preview]) -> None:
    total = sum(p.operation_count for p in previews)
    skipped = [s for p in previews for s in p.skipped]
    assert total > 0
    assert (total - len(skipped)) / total >= 0.95, [(s.key, s.reason) for s in skipped]
    assert all(s.reason.strip() for s in skipped)


def assert_modeler_accepts(previews: list[Preview]) -> None:
    templates = [t.template for p in previews for t in p.templates]
    verdicts = reference_verdicts(templates)
    rejected = [(t["id"], v["errors"][:2]) for t, v in zip(templates, verdicts, strict=True)
                if not v["valid"]]  # fmt: skip
    assert rejected == []


@pytest.mark.parametrize("per_operation", [False, True], ids=["per-api", "per-operation"])
def test_readme_oas_examples(per_operation: bool) -> None:
    previews, refused = [], {}
    for path in oas_examples():
        try:
            previews.append(preview_of(path, per_operation=per_operation))
        except ApiDescriptionError as exc:
            refused[f"{path.parts[-3]}/{path.name}"] = str(exc)
    assert len(previews) > 80  # every example, JSON and YAML
    # webhooks only: nothing a service task could call
    assert refused == {
        f"3.1/{name}": "at /paths: the description defines no operations"
        for name in ("webhooks.json", "webhooks.yaml")
    }
    assert_mostly_imported(previews)
    assert_modeler_accepts(previews)


def test_githubs_own_description() -> None:
    path = corpus_root() / "@octokit" / "openapi" / "generated" / "api.github.com.json"
    preview = preview_of(path)
    assert preview.api.title.startswith("GitHub")
    assert preview.operation_count > 1000
    assert_mostly_imported([preview])
    assert_modeler_accepts([preview])
    # large: one template per tag (repos in slices), each a chooser over its operations
    ids = {t.template["id"] for t in preview.templates}
    assert "io.connectorhub.api.github-s-official-openapi-spec-octokit-extension.issues-1" in ids
