"""REST: request building, result shape, HTTP errors, timeouts, redirects, large and invalid
bodies, bad input; through the official templates, `build_job` and `run_job`."""

from __future__ import annotations

import json

import pytest

from tests.builtin.conftest import REST_FILE, REST_ID, result_of, run_template, template, templates
from tests.services.http_servers import RecordingServer, Reply

V18 = template(REST_FILE, REST_ID, 18)
V12 = template(REST_FILE, REST_ID, 12)  # before documentReturnFormat: the legacy body rules


def run(values: dict, tpl=V18, **kwargs):
    return run_template(tpl, {"resultVariable": "result", **values}, **kwargs)


@pytest.mark.parametrize(
    "tpl", templates(REST_FILE), ids=lambda t: f"{t.id.split('HttpJson.')[-1]}-v{t.version}"
)
def test_every_rest_template_version_posts_json(server, tpl):
    method = next(p for p in tpl.properties if p.binding.name == "method")
    post = next(c.value for c in method.choices or [] if c.value.upper() == "POST")
    # old templates offer lower-case methods and take maps as JSON text, newer ones as FEEL
    text_maps = next(p for p in tpl.properties if p.binding.name == "headers").feel is None
    outcome = run_template(
        tpl,
        {
            "method": post,
            "url": f"{server.url}/items?from=url",
            "headers": '{"X-Trace": "t-1"}' if text_maps else '={"X-Trace": "t-1"}',
            "queryParameters": '{"page": "2"}' if text_maps else '={"page": "2"}',
            "body": '{"name": "Ada", "tags": ["x"]}',
            "resultVariable": "result",
            # the v1 basic and bearer templates need their credentials
            "authentication.username": "ada",
            "authentication.token": "tok",
        },
    )
    result = result_of(outcome)
    request = server.last("/items")
    assert request.method == "POST"
    assert request.json() == {"name": "Ada", "tags": ["x"]}
    assert request.header("Content-Type") == "application/json"
    assert request.header("X-Trace") == "t-1"
    assert request.query == [("from", "url"), ("page", "2")]
    assert result["status"] == 200
    assert set(result) == {"status", "headers", "body", "reason", "document"}
    assert result["body"]["method"] == "POST"  # the echo server's JSON, parsed


def test_result_shape_and_the_v18_default_result_expression(server):
    server.route(
        "/thing",
        Reply(json={"id": 7}, headers=[("X-Many", "a"), ("X-Many", "b"), ("X-Empty", "")]),
    )
    tpl_values = {"method": "GET", "url": f"{server.url}/thing"}
    outcome = run_template(V18, tpl_values)  # resultExpression: {myResponseBody: response.body}
    assert outcome.kind == "completed"
    assert outcome.variables == {"myResponseBody": {"id": 7}}
    full = result_of(run(tpl_values))
    assert full["status"] == 200
    assert full["reason"] == "OK"
    assert full["document"] is None
    assert full["headers"]["X-Many"] == ["a", "b"]
    assert full["headers"]["X-Empty"] == ""
    assert full["headers"]["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("status", "body", "expected_body"),
    [
        (404, {"message": "no such thing"}, {"message": "no such thing"}),
        (500, "plain failure", "plain failure"),
        (409, [{"one": 1}], {"one": 1}),
        (400, [{"one": 1}, {"two": 2}], None),
        (503, b"", None),
    ],
)
def test_http_errors_are_mapped_like_camunda(server, status, body, expected_body):
    reply = (
        Reply(status=status, json=body)
        if isinstance(body, dict | list)
        else Reply(status=status, body=body)
    )
    server.route("/fail", reply)
    outcome = run({"method": "GET", "url": f"{server.url}/fail"}, retries=3)
    assert outcome.kind == "failed"
    assert outcome.code == str(status)
    assert outcome.retries == 2
    error = outcome.variables["error"]
    assert error["code"] == str(status)
    assert error["message"] == {404: "Not Found", 500: "Internal Server Error", 409: "Conflict",
                                400: "Bad Request", 503: "Service Unavailable"}[status]  # fmt: skip
    assert error["variables"]["response"]["body"] == expected_body
    assert "Content-Length" in error["variables"]["response"]["headers"]


def test_error_expression_turns_an_http_error_into_a_bpmn_error(server):
    server.route("/fail", Reply(status=400, json={"temp": 36, "message": "too hot"}))
    outcome = run(
        {
            "method": "GET",
            "url": f"{server.url}/fail",
            "errorExpression": '=if matches(error.code, "400") and '
            "error.variables.response.body.temp = 36 then "
            'bpmnError("Too hot", error.variables.response.body.message, '
            "error.variables.response.body) else null",
        }
    )
    assert outcome.kind == "bpmn_error"
    assert (outcome.code, outcome.message) == ("Too hot", "too hot")
    assert outcome.variables == {"temp": 36, "message": "too hot"}


def test_a_3xx_without_follow_redirects_is_a_result(server):
    server.route("/old", Reply(status=302, headers=[("Location", "/new")]))
    result = result_of(run({"method": "GET", "url": f"{server.url}/old"}))
    assert result["status"] == 302
    assert result["headers"]["Location"] == "/new"
    assert server.count("/new") == 0


def test_redirects_are_followed_when_asked_and_post_becomes_get(server):
    server.route("/old", Reply(status=302, headers=[("Location", "/middle")]))
    server.route("/middle", Reply(status=307, headers=[("Location", "/new")]))
    server.route("/new", lambda r: Reply(json={"method": r.method}))
    outcome = run(
        {"method": "POST", "url": f"{server.url}/old", "body": '{"a": 1}', "followRedirects": True}
    )
    assert result_of(outcome)["body"] == {"method": "GET"}
    assert [r.method for r in server.requests] == ["POST", "GET", "GET"]
    assert [x["status"] for x in outcome.trace.exchanges] == [302, 307, 200]


def test_a_redirect_to_another_site_drops_the_credentials(server):
    with RecordingServer() as other:
        server.route("/go", Reply(status=302, headers=[("Location", f"{other.url}/landing")]))
        result_of(
            run(
                {
                    "method": "GET",
                    "url": f"{server.url}/go",
                    "followRedirects": True,
                    "authentication.type": "bearer",
                    "authentication.token": "tok",
                }
            )
        )
        assert server.last("/go").header("Authorization") == "Bearer tok"
        assert other.last("/landing").header("Authorization") is None


def test_circular_redirects_fail(server):
    server.route("/a", Reply(status=302, headers=[("Location", "/b")]))
    server.route("/b", Reply(status=302, headers=[("Location", "/a")]))
    outcome = run({"method": "GET", "url": f"{server.url}/a", "followRedirects": True})
    assert outcome.kind == "failed"
    assert outcome.code == "500"
    assert "circular redirect" in outcome.message


def test_a_read_timeout_fails_with_camundas_408(server):
    server.route("/slow", Reply(json={}, delay=2.0))
    outcome = run(
        {"method": "GET", "url": f"{server.url}/slow", "readTimeoutInSeconds": 1}, retries=3
    )
    assert outcome.kind == "failed"
    assert outcome.code == "408"
    assert outcome.retries == 2
    assert outcome.message.startswith("The request timed out.")
    assert outcome.trace.exchanges[0]["error"].startswith("The request timed out")


def test_invalid_json_responses(server):
    server.route("/bad", Reply(headers=[("Content-Type", "application/json")], body="{oops"))
    url = f"{server.url}/bad"
    # templates before v17: the body stays text
    assert result_of(run({"method": "GET", "url": url}, tpl=V12))["body"] == "{oops"
    # v17+: the JSON format must be JSON, the TEXT format takes anything
    failed = run({"method": "GET", "url": url})
    assert failed.kind == "failed"
    assert "not valid JSON" in failed.message
    text = run({"method": "GET", "url": url, "documentReturnFormat.choice": "TEXT"})
    assert result_of(text)["body"] == "{oops"


def test_legacy_body_rules(server):
    server.route("/scalar", Reply(body="42"))
    server.route("/blank", Reply(body="  "))
    server.route("/array", Reply(body="[1, 2]"))

    def get(path):
        return result_of(run({"method": "GET", "url": f"{server.url}{path}"}, tpl=V12))

    assert get("/scalar")["body"] == "42"
    assert get("/blank")["body"] is None
    assert get("/array")["body"] == [1, 2]


def test_large_bodies_are_returned_and_cut_in_the_trace(server):
    big = {"items": ["x" * 100] * 20_000}  # ~2.2 MB of JSON
    server.route("/big", Reply(json=big))
    outcome = run_template(
        V18,
        {
            "method": "GET",
            "url": f"{server.url}/big",
            "resultExpression": "={count: count(response.body.items)}",
        },
    )
    assert outcome.variables == {"count": 20_000}
    exchange = outcome.trace.exchanges[0]
    assert len(exchange["response_body"]) == 65_536
    assert exchange["response_body_truncated"] > 2_000_000
    # stored whole, it would exceed Camunda's 1.5 MiB output limit
    too_big = run({"method": "GET", "url": f"{server.url}/big"})
    assert too_big.kind == "failed"
    assert too_big.retries == 0
    assert "larger than" in too_big.message


def test_responses_over_the_size_limit_are_refused(server, monkeypatch, settings):
    settings.CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES = 1000
    server.route("/big", Reply(body=b"y" * 5000))
    outcome = run({"method": "GET", "url": f"{server.url}/big"})
    assert outcome.kind == "failed"
    assert "larger than 1000 bytes" in outcome.message


def test_document_return_format_gives_a_reference(server):
    server.route("/file", Reply(headers=[("Content-Type", "application/pdf")], body=b"%PDF-1"))
    result = result_of(
        run(
            {
                "method": "GET",
                "url": f"{server.url}/file",
                "documentReturnFormat.choice": "DOCUMENT",
            }
        )
    )
    assert result["body"] is None
    assert result["document"]["metadata"] == {
        "contentType": "application/pdf", "size": 6, "fileName": None,
    }  # fmt: skip


# --------------------------------------------------------------------------------------------
# Bodies
# --------------------------------------------------------------------------------------------


def test_form_urlencoded_body(server):
    result_of(
        run(
            {
                "method": "POST",
                "url": f"{server.url}/form",
                "headers": '={"Content-Type": "application/x-www-form-urlencoded"}',
                "body": '={"name": "Ada L", "n": 1, "none": null}',
            }
        )
    )
    request = server.last("/form")
    assert request.body == b"name=Ada+L&n=1&none"


def test_multipart_body(server):
    result_of(
        run(
            {
                "method": "POST",
                "url": f"{server.url}/upload",
                "headers": '={"Content-Type": "multipart/form-data"}',
                "body": '={"title": "report", "tags": ["a", "b"]}',
            }
        )
    )
    request = server.last("/upload")
    content_type = request.header("Content-Type")
    assert content_type.startswith("multipart/form-data; boundary=")
    body = request.body.decode()
    assert 'name="title"\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nreport' in body
    assert body.count('name="tags"') == 2


def test_text_body_with_its_own_content_type(server):
    result_of(
        run(
            {
                "method": "PUT",
                "url": f"{server.url}/note",
                "headers": '={"Content-Type": "text/plain"}',
                "body": "just words",
            }
        )
    )
    assert server.last("/note").body == b"just words"
    assert server.last("/note").header("Content-Type") == "text/plain"


def test_ignore_null_values(server):
    body = '={"a": 1, "b": null, "c": {"d": null, "e": 2}}'
    result_of(
        run({"method": "POST", "url": f"{server.url}/x", "body": body, "ignoreNullValues": True})
    )
    assert server.last("/x").json() == {"a": 1, "c": {"e": 2}}
    result_of(run({"method": "POST", "url": f"{server.url}/y", "body": body}))
    assert server.last("/y").json() == {"a": 1, "b": None, "c": {"d": None, "e": 2}}


def test_a_delete_body_is_dropped_as_camunda_does(server):
    from connectors.runtime import JobRequest, run_job
    from connectors.secrets.providers import MappingSecretProvider
    from tests.builtin.conftest import LOCAL_ONLY

    outcome = run_job(
        JobRequest(
            type="io.camunda:http-json:1",
            variables={"method": "delete", "url": f"{server.url}/d", "body": {"x": 1}},
        ),
        secrets=MappingSecretProvider({}),
        address_policy=LOCAL_ONLY,
    )
    assert outcome.kind == "completed"
    assert server.last("/d").method == "DELETE"
    assert server.last("/d").body == b""


def test_user_headers_are_added_next_to_the_authentication(server):
    result_of(
        run(
            {
                "method": "GET",
                "url": f"{server.url}/h",
                "authentication.type": "bearer",
                "authentication.token": "tok",
                "headers": '={"Authorization": "Custom x", "Accept": "text/csv"}',
            }
        )
    )
    request = server.last("/h")
    assert request.header_all("Authorization") == ["Bearer tok", "Custom x"]
    assert request.header("Accept") == "text/csv"


# --------------------------------------------------------------------------------------------
# Bad input: the run fails with a message a user understands
# --------------------------------------------------------------------------------------------


def test_a_malformed_url(server):
    from connectors.runtime import JobRequest, run_job
    from connectors.secrets.providers import MappingSecretProvider

    outcome = run_job(
        JobRequest(type="io.camunda:http-json:1", variables={"method": "GET", "url": "ftp:/x"}),
        secrets=MappingSecretProvider({}),
    )
    assert outcome.kind == "failed"
    assert outcome.retries == 0
    assert "url: Invalid URL: the URL 'ftp:/x' cannot be parsed" in outcome.message
    assert "must start with http:// or https://" in outcome.message


def test_an_unsupported_method():
    from connectors.runtime import JobRequest, run_job
    from connectors.secrets.providers import MappingSecretProvider

    outcome = run_job(
        JobRequest(
            type="io.camunda:http-json:1", variables={"method": "TRACE", "url": "http://x.test"}
        ),
        secrets=MappingSecretProvider({}),
    )
    assert outcome.kind == "failed"
    assert outcome.retries == 0
    assert "Property: method" in outcome.message
    assert "'POST', 'GET', 'DELETE', 'PATCH' or 'PUT'" in outcome.message


def test_an_empty_field_of_an_authentication_type_is_named_by_its_input_path():
    """pydantic locates the problem under the union member's tag (authentication.bearer.token);
    the message names the input the user filled in, and says it is empty."""
    from connectors.runtime import JobRequest, run_job
    from connectors.secrets.providers import MappingSecretProvider

    outcome = run_job(
        JobRequest(
            type="io.camunda:http-json:1",
            variables={
                "method": "GET",
                "url": "http://x.test",
                "authentication": {"type": "bearer", "token": None},
            },
        ),
        secrets=MappingSecretProvider({}),
    )
    assert outcome.kind == "failed"
    assert (
        " - Property: authentication.token: Validation failed. "
        "Original message: must not be empty (no value was given)"
    ) in outcome.message


@pytest.mark.parametrize(
    "headers", [None, '={"Content-Type": "application/json"}'], ids=["default", "explicit"]
)
def test_a_body_that_is_not_valid_json_when_json_is_sent(server, headers):
    values = {"method": "POST", "url": f"{server.url}/x", "body": '{"name": "Ada",}'}
    if headers:
        values["headers"] = headers
    outcome = run(values)
    assert outcome.kind == "failed"
    assert outcome.retries == 0
    assert "body: the request body is not valid JSON" in outcome.message
    assert "set a Content-Type header such as text/plain" in outcome.message
    assert server.requests == []


def test_an_unresolvable_host():
    outcome = run({"method": "GET", "url": "http://no-such-host.invalid/x"})
    assert outcome.kind == "failed"
    assert outcome.code == "408"
    assert "Could not resolve host 'no-such-host.invalid'" in outcome.message


def test_an_unresolvable_host_without_egress_policy():
    outcome = run({"method": "GET", "url": "http://no-such-host.invalid/x"}, policy=None)
    assert outcome.kind == "failed"
    assert outcome.code == "408"
    assert "Could not connect to no-such-host.invalid:80" in outcome.message


def test_an_unreachable_port():
    with RecordingServer() as closed:
        port = closed.port
    outcome = run({"method": "GET", "url": f"http://127.0.0.1:{port}/x"})
    assert outcome.kind == "failed"
    assert outcome.code == "408"
    assert f"Could not connect to 127.0.0.1:{port}" in outcome.message
    assert "refused" in outcome.message.lower()


def test_headers_that_are_not_a_map():
    from connectors.runtime import JobRequest, run_job
    from connectors.secrets.providers import MappingSecretProvider

    outcome = run_job(
        JobRequest(
            type="io.camunda:http-json:1",
            variables={"method": "GET", "url": "http://x.test", "headers": "X-A: 1"},
        ),
        secrets=MappingSecretProvider({}),
    )
    assert outcome.retries == 0
    assert "Property: headers" in outcome.message
    assert "must be a map of names to values" in outcome.message


def test_json_text_variables_from_old_templates_are_read(server):
    tpl = template(REST_FILE, "io.camunda.connectors.HttpJson.v1.noAuth", None)
    outcome = run_template(
        tpl,
        {
            "method": "get",
            "url": f"{server.url}/old",
            "headers": json.dumps({"X-Old": 1}),
            "queryParameters": json.dumps({"q": True}),
            "resultVariable": "result",
        },
    )
    result_of(outcome)
    assert server.last("/old").header("X-Old") == "1"
    assert server.last("/old").query == [("q", "true")]
