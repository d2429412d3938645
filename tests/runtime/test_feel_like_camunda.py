"""FEEL where Camunda's engines evaluate it: a call no function accepts gives null (feel-scala,
1.17+), so a typo such as the docs' `bmpnError(...)` does not turn into an incident."""

from __future__ import annotations

from connectors.elementtemplates import ElementTemplate
from connectors.elementtemplates.job import build_job
from tests.elementtemplates.corpus import corpus_template


def test_dry_run_input_mappings_follow_zeebe() -> None:
    rest = ElementTemplate.from_dict(corpus_template("io.camunda.connectors.HttpJson.v2"))
    job = build_job(
        rest, {"url": '=if nope(1) then "a" else "https://example.org/" + lower case("X")'}
    )
    assert job.variables["url"] == "https://example.org/x"
    assert job.errors == {}
    typo = build_job(rest, {"url": '=upperCase("https://example.org")'})
    assert typo.variables["url"] is None and typo.errors == {}
    # syntax errors are still errors
    assert list(build_job(rest, {"url": "=1 +"}).errors) == ["url"]
