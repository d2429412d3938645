"""The pinned real-world corpus and the reference tools in tests/js/node_modules."""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE.parent / "js" / "node_modules"
CORPUS_PACKAGE = NODE_MODULES / "@camunda" / "connectors-element-templates"
CORPUS_DIR = CORPUS_PACKAGE / "src" / "element-templates"
CORPUS_VERSION = "1.0.29"
NODE = shutil.which("node") or "/usr/bin/node"


def corpus_files() -> list[Path]:
    if not CORPUS_DIR.is_dir():
        raise RuntimeError(f"{CORPUS_DIR} is missing: run `npm ci` in tests/js first")
    return sorted(CORPUS_DIR.rglob("*.json"))


@cache
def corpus_templates() -> tuple[dict[str, Any], ...]:
    """Every template version of the corpus, in file order (files hold one or an array)."""
    found: list[dict[str, Any]] = []
    for path in corpus_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        found.extend(data if isinstance(data, list) else [data])
    return tuple(found)


def corpus_template(template_id: str, version: int | None = None) -> dict[str, Any]:
    """A deep copy of one corpus template (the newest version unless one is asked for)."""
    matches = [t for t in corpus_templates() if t["id"] == template_id]
    if version is not None:
        matches = [t for t in matches if t.get("version") == version]
    if not matches:
        raise LookupError(f"{template_id} v{version} is not in the corpus")
    newest = max(matches, key=lambda t: t.get("version", 0))
    return json.loads(json.dumps(newest))


def reference_verdicts(candidates: list[Any]) -> list[dict[str, Any]]:
    """Run @bpmn-io/element-templates-validator's validateZeebe on each candidate (one process)."""
    result = subprocess.run(
        [NODE, str(HERE / "reference_validate.mjs")],
        input=json.dumps(candidates).encode(),
        capture_output=True,
        check=True,
        timeout=240,
    )
    lines = result.stdout.decode().splitlines()
    assert len(lines) == len(candidates), result.stderr.decode()[-2000:]
    return [json.loads(line) for line in lines]
