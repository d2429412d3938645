"""Benchmark: reading, validating and modelling the whole connectors corpus (issue 3).

Run: .venv/bin/python bench/bench_templates.py  (needs tests/js/node_modules, `npm ci` in tests/js)
Prints seconds per stage; the import target is under 10 s for the whole corpus, validation ~1-2 s.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.elementtemplates import (
    ElementTemplate,
    bpmn_view,
    build_job,
    lint_template,
    load_templates,
    validate_templates,
)

CORPUS = (
    Path(__file__).resolve().parent.parent
    / "tests/js/node_modules/@camunda/connectors-element-templates/src/element-templates"
)
T = TypeVar("T")


def timed(label: str, work: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = work()
    print(f"{label:<42} {time.perf_counter() - start:7.3f} s")
    return result


def main() -> None:
    files = sorted(CORPUS.rglob("*.json"))
    raw = [path.read_bytes() for path in files]
    print(f"corpus: {len(files)} files, {sum(map(len, raw)) / 1e6:.1f} MB")
    validate_templates([])  # compile the schema outside the measurement
    templates = timed("load (parse + guards)", lambda: [t for r in raw for t in load_templates(r)])
    errors = timed("validate (schema + Modeler rules)", lambda: validate_templates(templates))
    warnings = timed(
        "lint (hub warnings)", lambda: [w for t in templates for w in lint_template(t)]
    )
    models = timed("model (pydantic)", lambda: [ElementTemplate.from_dict(t) for t in templates])
    timed("bpmn_view, defaults, every template", lambda: [bpmn_view(m) for m in models])
    largest = max(models, key=lambda m: len(m.properties))
    start = time.perf_counter()
    for _ in range(20):
        build_job(largest)
    per_job = (time.perf_counter() - start) / 20 * 1000
    print(f"build_job, largest template ({len(largest.properties)} properties): {per_job:.1f} ms")
    start = time.perf_counter()
    for r in raw:
        batch = load_templates(r)
        assert not validate_templates(batch)
        [ElementTemplate.from_dict(t) for t in batch]
    print(f"{'whole pipeline, file by file':<42} {time.perf_counter() - start:7.3f} s")
    print(f"{len(templates)} templates, {len(errors)} errors, {len(warnings)} warnings, "
          f"{len(models)} models")  # fmt: skip


if __name__ == "__main__":
    main()
