"""The small tables and grammars the validator keeps in Python, checked against their sources."""

from __future__ import annotations

import json
import subprocess

from connectors.elementtemplates.bpmn_types import SUPERCLASSES, can_morph, is_type
from connectors.elementtemplates.semver import is_valid_range

from .corpus import NODE, NODE_MODULES


def test_bpmn_hierarchy_matches_bpmn_moddle() -> None:
    source = json.loads((NODE_MODULES / "bpmn-moddle/resources/bpmn/json/bpmn.json").read_text())
    expected = {
        t["name"]: tuple(s.split(":")[-1] for s in t.get("superClass", [])) for t in source["types"]
    }
    assert expected == SUPERCLASSES


def test_morphing_families() -> None:
    assert is_type("bpmn:ServiceTask", "bpmn:Activity")
    assert can_morph("bpmn:Task", "bpmn:ServiceTask")
    assert can_morph("bpmn:IntermediateThrowEvent", "bpmn:StartEvent")
    assert not can_morph("bpmn:Task", "bpmn:StartEvent")
    assert not can_morph("bpmn:SequenceFlow", "bpmn:ServiceTask")
    assert not is_type("camunda:Thing", "bpmn:Activity")


RANGES = [
    "^8.2", "^8.10", "", "*", ">=8.8 <9", "1.2.3 - 2", ">= 1.2", "~1.2.3-beta.1", "8.x || 9",
    "latest", "^", "1.2.3.4", "8.8+", ">=8.8.0-alpha1", "v8.6", "=8.6.0", "~>1.2", "x.x.x",
    "^8.x.y", "eight", "8 - ", "<=8.7.0+build.5", "1.2.3-", ">8 <9 || >=10",
]  # fmt: skip


def test_semver_ranges_agree_with_node_semver() -> None:
    script = (
        "const semver = require(process.argv[1]);"
        "const ranges = JSON.parse(process.argv[2]);"
        "console.log(JSON.stringify(ranges.map(r => semver.validRange(r) !== null)));"
    )
    result = subprocess.run(
        [NODE, "-e", script, str(NODE_MODULES / "semver"), json.dumps(RANGES)],
        capture_output=True,
        check=True,
        text=True,
    )
    expected = json.loads(result.stdout)
    assert {r: is_valid_range(r) for r in RANGES} == dict(zip(RANGES, expected, strict=True))
