"""Resolution of `{{secrets.NAME}}` and legacy `secrets.NAME` with Camunda's patterns."""

from __future__ import annotations

import json

import pytest

from connectors.secrets import (
    MappingSecretProvider,
    SecretNotFoundError,
    find_references,
    resolve_references,
    resolve_references_in_json,
)

PROVIDER = MappingSecretProvider(
    {
        "API_TOKEN": "tok-123",
        "a.b-c/d": "dotted",
        "QUOTED": 'he said "hi"\\ and\nleft',
        "X": "x-value",
        "X.Y": "xy-value",
    }
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{secrets.API_TOKEN}}", "tok-123"),
        ("{{ secrets.API_TOKEN }}", "tok-123"),
        ("{{\tsecrets.API_TOKEN\n}}", "tok-123"),
        ("Bearer {{secrets.API_TOKEN}}!", "Bearer tok-123!"),
        ("{{secrets.API_TOKEN}}{{secrets.X}}", "tok-123x-value"),
        # Braced names are any non-space run up to the first }}.
        ("{{ secrets.a.b-c/d }}", "dotted"),
        # Legacy bare form, greedy over letters/digits joined by / . _ -, ending in letter/digit.
        ("secrets.API_TOKEN", "tok-123"),
        ("key=secrets.API_TOKEN&x=1", "key=tok-123&x=1"),
        ("secrets.X.", "x-value."),
        ("secrets.X.Y", "xy-value"),
        # No word boundary, as in Camunda.
        ("mysecrets.X", "myx-value"),
        # Not references.
        ("{{secrets.}}", "{{secrets.}}"),
        ("secrets.", "secrets."),
        ("secret.X", "secret.X"),
        ("SECRETS.X", "SECRETS.X"),
        ("no references here", "no references here"),
    ],
)
def test_patterns_match_camunda(text: str, expected: str) -> None:
    assert resolve_references(text, PROVIDER).value == expected


def test_nested_json_values_and_keys_are_resolved() -> None:
    value = {
        "authentication": {"type": "bearer", "token": "{{secrets.API_TOKEN}}"},
        "headers": [{"X-Key": "secrets.X"}, 42, None, True],
        "{{secrets.X}}": "as a key",
        "number": 1.5,
    }
    result = resolve_references(value, PROVIDER)
    assert result.value == {
        "authentication": {"type": "bearer", "token": "tok-123"},
        "headers": [{"X-Key": "x-value"}, 42, None, True],
        "x-value": "as a key",
        "number": 1.5,
    }
    assert result.used == {"API_TOKEN": "tok-123", "X": "x-value"}
    # The input is never changed in place: only the worker's copy holds values.
    assert value["authentication"]["token"] == "{{secrets.API_TOKEN}}"


def test_missing_secret_names_it_and_no_value() -> None:
    with pytest.raises(SecretNotFoundError) as caught:
        resolve_references({"a": "{{secrets.API_TOKEN}}", "b": "{{secrets.MISSING}}"}, PROVIDER)
    assert caught.value.name == "MISSING"
    assert str(caught.value) == "Secret with name 'MISSING' is not available"
    assert "tok-123" not in str(caught.value)


def test_each_name_is_looked_up_once() -> None:
    asked: list[str] = []

    class Counting:
        def get(self, name: str) -> str | None:
            asked.append(name)
            return "v"

    resolve_references(["{{secrets.A}}", "secrets.A", {"k": "{{ secrets.A }}"}], Counting())
    assert asked == ["A"]


def test_inserted_values_are_not_scanned_again() -> None:
    # Camunda would resolve secrets.X inside the value of OUTER; we insert values literally.
    provider = MappingSecretProvider({"OUTER": "see secrets.X and {{secrets.X}}", "X": "x"})
    result = resolve_references("{{secrets.OUTER}}", provider)
    assert result.value == "see secrets.X and {{secrets.X}}"
    assert set(result.used) == {"OUTER"}


def test_json_text_form_escapes_values_inside_string_literals() -> None:
    variables = json.dumps(
        {"body": '{"q": 1}', "auth": "Basic {{secrets.QUOTED}}", "k": "secrets.X"}
    )
    result = resolve_references_in_json(variables, PROVIDER)
    decoded = json.loads(result.value)
    assert decoded["auth"] == 'Basic he said "hi"\\ and\nleft'
    assert decoded["k"] == "x-value"
    assert result.used["QUOTED"] == 'he said "hi"\\ and\nleft'


def test_json_text_form_leaves_non_ascii_and_slash_unescaped_like_jackson() -> None:
    provider = MappingSecretProvider({"U": "ü/€\t"})
    result = resolve_references_in_json('{"a": "{{secrets.U}}"}', provider)
    assert result.value == '{"a": "ü/€\\t"}'


def test_resolved_secrets_repr_never_shows_values() -> None:
    result = resolve_references("{{secrets.API_TOKEN}}", PROVIDER)
    assert "tok-123" not in repr(result).replace(repr(result.value), "")
    assert result.names == {"API_TOKEN"}


def test_find_references_without_looking_up() -> None:
    value = {
        "url": "https://x/{{secrets.A}}/secrets.B",
        "{{ secrets.C }}": ["secrets.D.E", 3],
        "braced-with-colon": "{{secrets.LONG:SUFFIX}}",
    }
    assert find_references(value) == {"A", "B", "C", "D.E", "LONG:SUFFIX"}
    assert find_references("nothing") == set()
