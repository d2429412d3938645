"""The test console reads a curl command as curl sends it, and refuses what it cannot read
naming the problem (no engine, no database: the reading alone)."""

from __future__ import annotations

import base64

import pytest

from connectors.inbound.sample import SampleError, from_curl, from_form


def test_a_command_from_a_providers_documentation() -> None:
    sample = from_curl(
        "curl -sS -XPATCH 'https://hub.example.com/inbound/orders/?a=1&a=2&b=x' \\\n"
        "  --header='X-Token: t 1' -H 'Content-Type: application/json' --data '{\"id\": 1}'"
    )
    assert sample.method == "PATCH"
    assert sample.target == "/?a=1&a=2&b=x"
    assert sample.headers == (("X-Token", "t 1"), ("Content-Type", "application/json"))
    assert sample.body == '{"id": 1}'
    request = sample.request("/inbound/orders", "https://hub.local/")
    assert request.query == {"a": "1", "b": "x"}  # the runtime keeps a parameter's first value
    assert request.url == "https://hub.example.com/inbound/orders/"  # what HMAC's URL scope signs
    assert request.headers["x-token"] == "t 1"


def test_data_and_user_as_curl_sends_them() -> None:
    sample = from_curl("curl https://h.example/x -u hook:pw -d a=1 --data-binary b=2")
    assert sample.method == "POST"  # curl's default with data
    assert sample.body == "a=1&b=2"
    auth = "Basic " + base64.b64encode(b"hook:pw").decode()
    assert sample.headers == (("Authorization", auth),
                              ("Content-Type", "application/x-www-form-urlencoded"))  # fmt: skip
    assert from_curl("curl http://h.example/x").method == "GET"
    assert from_curl("curl http://h.example/x --data-raw @literal").body == "@literal"


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ('curl -d \'{"a": 1} https://h.example/x', "cannot be read: no closing quotation"),
        ("wget https://h.example/x", "must start with curl"),
        ("curl -d a=1", "has no URL"),
        ("curl https://h.example/x https://h.example/y", "has 2 URLs; give one"),
        ("curl ftp://h.example/x", "is not an http(s) address"),
        ("curl --proxy p:1 https://h.example/x", "the option --proxy is not understood here"),
        ("curl https://h.example/x -H", "-H needs a value"),
        ("curl https://h.example/x -H 'no colon'", "is not 'Name: value'"),
        ("curl https://h.example/x -d @body.json", "reads a file: paste the body"),
        ("curl -X TRACE https://h.example/x", "the method TRACE is not one of"),
    ],
)
def test_what_cannot_be_read_is_named(command: str, problem: str) -> None:
    with pytest.raises(SampleError, match="curl command") as refused:
        from_curl(command)
    assert problem in refused.value.problem


def test_the_forms_fields_are_checked_by_name() -> None:
    with pytest.raises(SampleError) as refused:
        from_form("POST", "", "Content-Type: application/json\nbroken line", "{}")
    assert str(refused.value) == "headers: line 2 is not 'Name: value': 'broken line'"
    with pytest.raises(SampleError, match=r"^method: 'TRACE' is not one of"):
        from_form("trace", "", "", "")
    with pytest.raises(SampleError, match=r"^after the address: start with"):
        from_form("POST", "a=1", "", "")
