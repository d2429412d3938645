"""Bad documents get one clear TemplateLoadError, never a crash."""

from __future__ import annotations

import json

import pytest

from connectors.elementtemplates import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    TemplateLoadError,
    TemplateValidationError,
    load_templates,
    read_templates,
    validate_template,
)

from .corpus import corpus_files, corpus_template


def test_one_template_or_an_array() -> None:
    template = {"id": "a", "name": "A", "appliesTo": [], "properties": []}
    assert load_templates(json.dumps(template)) == [template]
    assert load_templates(json.dumps([template, template]).encode()) == [template, template]


def test_every_corpus_file_loads() -> None:
    assert sum(len(load_templates(path.read_bytes())) for path in corpus_files()) == 693


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "the document is empty"),
        (
            "{'id': 1}",
            "not valid JSON: Expecting property name enclosed in double quotes at line 1",
        ),
        ('{"id": 1', "not valid JSON"),
        ("42", "found a number"),
        ('"text"', "found a string"),
        ("[1, {}]", "item /0 of the array must be a template (JSON object), found a number"),
        ('{"a": NaN}', "NaN is not valid JSON"),
        ('{"a": -Infinity}', "-Infinity is not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8 text"),
        ("[" * 100_000 + "]" * 100_000, "nested more than"),
        ('{"a":' * (MAX_DEPTH + 5) + "1" + "}" * (MAX_DEPTH + 5), "nested more than 64 levels"),
        ('{"n": ' + "9" * 5000 + "}", "not valid JSON"),
    ],
)
def test_bad_documents(raw: str | bytes, expected: str) -> None:
    with pytest.raises(TemplateLoadError) as caught:
        load_templates(raw)
    assert expected in str(caught.value)


def test_a_50_mb_upload_is_refused_before_parsing() -> None:
    raw = b'{"id": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    with pytest.raises(TemplateLoadError, match=r"50\.0 MiB; at most 10 MiB"):
        load_templates(raw)
    assert MAX_DOCUMENT_BYTES == 10 * 1024 * 1024


def test_validate_template_guards_data_that_did_not_come_from_json() -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(MAX_DEPTH + 1):
        node["a"] = {}
        node = node["a"]  # type: ignore[assignment]
    [error] = validate_template(deep)
    assert error.rule == "document" and "nested more than" in error.message
    [error] = validate_template(["not", "a", "template"])
    assert error.message == "a template must be a JSON object, not an array"
    [error] = validate_template({"id": "x", "value": float("nan")})
    assert "not a JSON number" in error.message
    [error] = validate_template({"id": "x", "when": {1, 2}})
    assert error.pointer == "" and "/when" in error.message


def test_read_templates_rejects_a_document_whole() -> None:
    good = corpus_template("io.camunda.connectors.HttpJson.v2")
    bad = corpus_template("io.camunda.connectors.HttpJson.v2", 17)
    del bad["name"]
    with pytest.raises(TemplateValidationError) as caught:
        read_templates(json.dumps([good, bad]))
    [error] = caught.value.errors
    assert (error.index, error.template_id, error.template_version) == (1, good["id"], 17)
    assert error.message == 'missing "name"'
    assert [t.version for t in read_templates(json.dumps([good]))] == [good["version"]]
