"""Our verdicts against the Modeler's own validator (validateZeebe), run by node.

The schema verdict (errors of the rules validateZeebe decides) must agree on the whole corpus, on
systematic broken variants of one template per corpus file, and on every field of the REST
connector deleted or given a wrong type. The hub's extra checks are compared separately: the
reference accepts those variants, and we say what we do with them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from connectors.elementtemplates import REFERENCE_VALIDATOR_RULES, lint_template, validate_template

from .corpus import corpus_template, corpus_templates, reference_verdicts
from .variants import HUB_MUTATIONS, SCHEMA_MUTATIONS, field_edits, variants


def schema_verdict(candidate: Any) -> bool:
    return not any(e.rule in REFERENCE_VALIDATOR_RULES for e in validate_template(candidate))


def sample_of_families() -> list[dict[str, Any]]:
    """The newest version of every third template id: ~45 connector families, every kind."""
    newest: dict[str, dict[str, Any]] = {}
    for template in corpus_templates():
        known = newest.get(template["id"])
        if known is None or template.get("version", 0) > known.get("version", 0):
            newest[template["id"]] = template
    return [newest[key] for key in sorted(newest)][::3]


def assert_same_verdicts(labelled: list[tuple[str, Any]]) -> list[bool]:
    """Compare node's verdicts with ours; returns ours (validating costs ~10 ms a variant)."""
    reference = reference_verdicts([candidate for _, candidate in labelled])
    ours = [schema_verdict(candidate) for _, candidate in labelled]
    mismatches = [
        f"{label}: node {'valid' if ref['valid'] else 'invalid'} "
        f"{[e['message'] for e in ref['errors'] if e['relevant']][:2]}, "
        f"ours {[str(e) for e in validate_template(candidate)][:2]}"
        for (label, candidate), ref, valid in zip(labelled, reference, ours, strict=True)
        if ref["valid"] != valid
    ]
    assert not mismatches, f"{len(mismatches)} of {len(labelled)} differ:\n" + "\n".join(
        mismatches[:20]
    )
    return ours


def test_corpus_verdicts_match_the_reference() -> None:
    templates = list(corpus_templates())
    reference = reference_verdicts(templates)
    assert all(r["valid"] for r in reference)
    assert all(schema_verdict(t) for t in templates)


def test_broken_variants_get_the_reference_verdict() -> None:
    labelled = [
        (f"{template_id}: {name}", candidate)
        for template_id, name, candidate in variants(sample_of_families(), SCHEMA_MUTATIONS)
    ]
    assert len(labelled) > 1500  # the mutations really apply across the corpus
    ours = assert_same_verdicts(labelled)
    # And the variants are mostly broken: the comparison is not one of valid against valid.
    assert ours.count(False) > len(labelled) * 0.8


def test_every_rest_connector_field_deleted_or_retyped_gets_the_reference_verdict() -> None:
    labelled = list(field_edits(corpus_template("io.camunda.connectors.HttpJson.v2")))
    assert len(labelled) > 500
    assert_same_verdicts(labelled)


@cache
def hub_variants() -> dict[str, tuple[bool, dict[str, Any], dict[str, Any]]]:
    """name -> (mutation applied, variant, node's verdict): one node process for them all."""
    applied: dict[str, bool] = {}
    candidates: dict[str, dict[str, Any]] = {}
    for name, (mutate, _, _) in HUB_MUTATIONS.items():
        candidates[name] = corpus_template("io.camunda.connectors.HttpJson.v2")
        applied[name] = mutate(candidates[name])
    reference = reference_verdicts(list(candidates.values()))
    return {
        name: (applied[name], candidates[name], verdict)
        for name, verdict in zip(candidates, reference, strict=True)
    }


@pytest.mark.parametrize("name", sorted(HUB_MUTATIONS))
def test_hub_checks_beyond_the_reference(name: str) -> None:
    _, rule, blocking = HUB_MUTATIONS[name]
    applied, candidate, reference = hub_variants()[name]
    assert applied
    assert reference["valid"], "validateZeebe accepts this; the Modeler's loader or the hub decides"

    found = validate_template(candidate) if blocking else lint_template(candidate)
    assert rule in {e.rule for e in found}
    if not blocking:
        assert validate_template(candidate) == []
