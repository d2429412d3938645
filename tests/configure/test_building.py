"""The form model: editors per type and FEEL mode, conditions, constraints, bad input.

Real templates (REST, email, GitHub) wherever the corpus has the case; small hand-made ones for
what it lacks (newer property types, hostile HTML).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict

from connectors.configure import build_form, check, parse_variables, values_from_post
from connectors.configure.fields import is_credential
from connectors.elementtemplates import ElementTemplate
from tests.elementtemplates.corpus import corpus_template


def fields(form: Any) -> dict[str, Any]:
    return {f.key: f for f in form.fields}


def post(template: ElementTemplate, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    data = QueryDict(mutable=True)
    for name, value in pairs:
        data.appendlist(name, value)
    return values_from_post(template, data)


def tiny(*properties: dict[str, Any], groups: list[dict[str, Any]] | None = None) -> Any:
    return ElementTemplate.from_dict(
        {
            "$schema": "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json",
            "id": "test:tiny",
            "name": "Tiny",
            "appliesTo": ["bpmn:Task"],
            "elementType": {"value": "bpmn:ServiceTask"},
            "groups": groups or [],
            "properties": [
                {"type": "Hidden", "value": "tiny:1", "binding": {"type": "zeebe:taskDefinition",
                                                                "property": "type"}},
                *properties,
            ],
        }
    )  # fmt: skip


# -- editors ---------------------------------------------------------------------------------


def test_rest_editors_follow_the_modeler(rest: ElementTemplate) -> None:
    shown = fields(build_form(rest, {}))
    assert shown["authentication.type"].kind == "select"
    assert ("noAuth", "None") in shown["authentication.type"].choices
    assert shown["url"].kind == "text" and shown["url"].toggle and not shown["url"].expression
    assert shown["url"].required
    assert shown["headers"].kind == "feel" and shown["headers"].feel == "required"
    assert not shown["headers"].toggle  # feel: required is always an expression
    assert shown["followRedirects"].kind == "checkbox" and not shown["followRedirects"].checked
    assert not shown["followRedirects"].toggle  # feel: static: a plain checkbox, written as FEEL
    assert shown["connectionTimeoutInSeconds"].kind == "number"
    assert shown["connectionTimeoutInSeconds"].value == "20"
    assert shown["resultExpression"].kind == "feel"
    assert shown["resultExpression"].value.startswith("{")  # shown without its "="
    assert "elementTemplateVersion" not in shown and "version" not in shown  # Hidden
    # the 8.10 credential chooser: a select of the hub's credentials (none given here)
    assert shown["authenticationConfiguration"].kind == "select"
    assert shown["authenticationConfiguration"].choices == [("", "")]


def test_feel_optional_toggle_switches_the_editor(rest: ElementTemplate) -> None:
    values = post(rest, [("v:url", '"https://x/" + path'), ("fx:url", "on")])
    assert values["url"] == '="https://x/" + path'
    url = fields(build_form(rest, values))["url"]
    assert url.kind == "feel" and url.expression and url.value == '"https://x/" + path'
    assert not url.errors
    # Switching back keeps the text, now as a plain value.
    back = post(rest, [("v:url", "https://x/"), ("rendered:url", "feel")])
    assert back["url"] == "https://x/"
    # Typing "=" in the plain field switches to FEEL, as in the Modeler.
    typed = post(rest, [("v:url", "=base"), ("rendered:url", "value")])
    assert fields(build_form(rest, typed))["url"].expression


def test_number_and_boolean_values_are_typed_and_written_as_feel(email: ElementTemplate) -> None:
    values = post(email, [("v:data.smtpPort", "2525")])
    assert values == {"data.smtpPort": 2525}
    job = check(email, values).job
    assert job.variables["data"]["smtpConfig"]["smtpPort"] == 2525
    port = fields(build_form(email, {}))["data.smtpPort"]
    assert port.kind == "number" and port.toggle  # Number with feel: optional
    expression = post(email, [("v:data.smtpPort", "port + 1"), ("fx:data.smtpPort", "on")])
    assert expression == {"data.smtpPort": "=port + 1"}
    job = check(email, expression, {"port": 24}).job
    assert job.variables["data"]["smtpConfig"]["smtpPort"] == 25


def test_switching_number_and_boolean_out_of_feel(email: ElementTemplate) -> None:
    back = post(email, [("v:data.smtpPort", "2525"), ("rendered:data.smtpPort", "feel")])
    assert back == {"data.smtpPort": 2525}
    unreadable = post(email, [("v:data.smtpPort", "port + 1"), ("rendered:data.smtpPort", "feel")])
    assert unreadable == {"data.smtpPort": None}  # an empty number field, not a broken one


def test_checkbox_sends_false_then_true(rest: ElementTemplate) -> None:
    on = post(rest, [("v:followRedirects", "false"), ("v:followRedirects", "true")])
    off = post(rest, [("v:followRedirects", "false")])
    assert on == {"followRedirects": True}
    assert off == {}  # the template's default: nothing to remember
    assert check(rest, on).job.variables["followRedirects"] is True


def test_only_changes_are_kept_and_newlines_are_unix(rest: ElementTemplate) -> None:
    values = post(
        rest,
        [
            ("v:method", "GET"),  # the default
            ("v:connectionTimeoutInSeconds", "20"),  # the default, as text
            ("v:readTimeoutInSeconds", "30"),
            ("v:url", ""),  # no default, no value: nothing to remember
            ("v:retryBackoff", ""),  # a default the user cleared
            ("v:resultExpression", "{\r\n  a: response.body\r\n}"),
            ("rendered:resultExpression", "feel"),
        ],
    )
    assert values == {
        "readTimeoutInSeconds": 30,
        "retryBackoff": None,
        "resultExpression": "={\n  a: response.body\n}",
    }


def test_groups_collapse_as_the_template_says() -> None:
    template = tiny(
        {"id": "a", "label": "A", "type": "String", "group": "open",
         "binding": {"type": "zeebe:input", "name": "a"}},
        {"id": "b", "label": "B", "type": "String", "group": "closed",
         "binding": {"type": "zeebe:input", "name": "b"}},
        {"id": "c", "label": "C", "type": "String", "group": "closed-broken",
         "binding": {"type": "zeebe:input", "name": "c"}, "constraints": {"notEmpty": True}},
        {"id": "d", "label": "D", "type": "String",
         "binding": {"type": "zeebe:input", "name": "d"}},
        groups=[
            {"id": "open", "label": "Open", "openByDefault": True},
            {"id": "closed", "label": "Closed", "openByDefault": False},
            {"id": "closed-broken", "label": "Needs input", "openByDefault": False},
            {"id": "empty", "label": "Nothing here"},
        ],
    )  # fmt: skip
    groups = {g.id: g for g in build_form(template, {}).groups}
    assert groups["open"].open and not groups["closed"].open
    assert groups["closed-broken"].open  # a field to fix is never hidden in a closed group
    assert "empty" not in groups  # a group with nothing to show is left out
    assert [f.key for f in groups["__custom"].fields] == ["d"]  # as the Modeler's "Custom"


def test_newer_and_unknown_types_say_so_instead_of_failing() -> None:
    template = tiny(
        {"id": "x", "label": "Gadget", "type": "Gadget", "binding": {"type": "zeebe:input",
                                                                       "name": "x"}},
    )  # fmt: skip
    field = fields(build_form(template, {}))["x"]
    assert field.kind == "unsupported" and "Gadget" in field.unsupported
    assert check(template, {"x": "sneaky"}).errors["x"] == [
        "the hub cannot set this field; leave it empty"
    ]


def test_labels_descriptions_and_tooltips_are_sanitised() -> None:
    template = tiny(
        {"id": "x", "type": "String", "binding": {"type": "zeebe:input", "name": "x"},
         "label": "Name <script>alert(1)</script>",
         "description": 'See <a href="https://docs.camunda.io" onclick="steal()">docs</a><br>'
                        '<img src=x onerror=alert(1)><a href="javascript:alert(1)">bad</a>',
         "tooltip": "Use <code>=expr</code>"},
    )  # fmt: skip
    field = fields(build_form(template, {}))["x"]
    assert "<script" not in field.label and "alert" not in field.label
    assert '<a href="https://docs.camunda.io" target="_blank" rel="noopener noreferrer">' in str(
        field.description
    )
    assert "onclick" not in field.description and "<img" not in field.description
    assert "javascript:" not in field.description and "<br>" in field.description
    assert str(field.tooltip) == "Use <code>=expr</code>"


def test_credentials_are_masked_and_secret_references_shown(rest: ElementTemplate) -> None:
    token = fields(build_form(rest, {"authentication.type": "bearer"}))["authentication.token"]
    assert token.masked and token.concealed and token.picker
    reference = {"authentication.type": "bearer", "authentication.token": "{{secrets.TOKEN}}"}
    shown = fields(build_form(rest, reference))["authentication.token"]
    assert shown.masked and not shown.concealed  # a reference is no secret; show which one
    typed = build_form(rest, {"authentication.type": "bearer", "authentication.token": "abc"})
    assert typed.job["variables"]["authentication"]["token"] == "***"
    assert build_form(rest, reference).job["variables"]["authentication"]["token"] == (
        "{{secrets.TOKEN}}"
    )
    names = {p.id: is_credential(p) for p in rest.properties if p.id}
    assert names["authentication.password"] and names["authentication.clientSecret"]
    assert not names["authentication.oauthTokenEndpoint"] and not names["url"]
    assert not names["authentication.name"]  # "API key name" is not the key


def test_generated_values_stay_generated() -> None:
    template = tiny(
        {"id": "g", "label": "Id", "type": "String", "generatedValue": {"type": "uuid"},
         "binding": {"type": "zeebe:property", "name": "g"}},
    )  # fmt: skip
    assert post(template, [("v:g", "")]) == {}
    assert post(template, [("v:g", "mine")]) == {"g": "mine"}


# -- conditions, from real templates ---------------------------------------------------------


def test_rest_authentication_types(rest: ElementTemplate) -> None:
    def shown(auth: str) -> set[str]:
        return set(fields(build_form(rest, {"authentication.type": auth})))

    assert "authentication.token" not in shown("noAuth")
    assert "authentication.token" in shown("bearer")
    assert {"authentication.username", "authentication.password"} <= shown("basic")
    assert "authentication.token" not in shown("basic")
    oauth = shown("oauth-client-credentials-flow")
    assert {"authentication.oauthTokenEndpoint", "authentication.clientId"} <= oauth


def test_hidden_fields_contribute_nothing(rest: ElementTemplate) -> None:
    # The token was typed, then the user switched back to "None": it is neither shown nor sent.
    form = build_form(rest, {"authentication.type": "noAuth", "authentication.token": "abc"})
    assert "authentication.token" not in fields(form)
    assert form.job["variables"]["authentication"] == {"type": "noAuth"}


def test_email_protocol_chain(email: ElementTemplate) -> None:
    smtp = fields(build_form(email, {}))
    assert "data.smtpPort" in smtp and "data.imapPort" not in smtp
    imap = fields(build_form(email, {"protocol": "imap"}))
    assert "data.imapPort" in imap and "data.smtpPort" not in imap
    assert "data.imapActionDiscriminator" in imap and "data.smtpActionDiscriminator" not in imap
    pop3 = build_form(email, {"protocol": "pop3"})
    assert pop3.job["variables"]["data"]["pop3Config"]["pop3Port"] == 995
    assert "smtpConfig" not in pop3.job["variables"]["data"]


# -- constraints and bad input ---------------------------------------------------------------


def test_not_empty_and_pattern_messages_on_the_field(rest: ElementTemplate) -> None:
    form = build_form(rest, {})
    assert fields(form)["url"].errors == ["URL must not be empty."]
    assert not form.ok
    wrong = build_form(rest, {"url": "ftp://example.com"})
    assert fields(wrong)["url"].errors == ["URL Must be a http(s) URL"]
    fine = build_form(rest, {"url": "https://example.com/{{secrets.PATH}}"})
    assert fine.ok and fine.job["variables"]["url"] == "https://example.com/{{secrets.PATH}}"


def test_length_constraints() -> None:
    github = ElementTemplate.from_dict(corpus_template("io.camunda.connectors.GitHub.v1", 6))
    base = {"operationGroup": "references"}
    assert "zeebe:input:sha" in fields(build_form(github, base))
    short = build_form(github, {**base, "zeebe:input:sha": "abc"})
    assert fields(short)["zeebe:input:sha"].errors == ["SHA must have at least 40 characters."]
    long = build_form(github, {**base, "zeebe:input:sha": "a" * 41})
    assert fields(long)["zeebe:input:sha"].errors == ["SHA must have at most 40 characters."]
    assert not fields(build_form(github, {**base, "zeebe:input:sha": "a" * 40}))[
        "zeebe:input:sha"
    ].errors
    assert fields(short)["zeebe:input:sha"].rules == ["40 to 40 characters"]


@pytest.mark.parametrize(
    ("pairs", "key", "message"),
    [
        ([("v:connectionTimeoutInSeconds", "soon")], "connectionTimeoutInSeconds", "number"),
        ([("v:method", "TRACE")], "method", "not one of the choices"),
        ([("v:authentication.type", "root")], "authentication.type", "not one of the choices"),
        ([("v:followRedirects", "maybe")], "followRedirects", "true or false"),
        ([("v:isAdmin", "yes")], "isAdmin", "no such field"),
        ([("v:id", "io.evil")], "id", "cannot be changed"),
        ([("v:url", '"https://x" +'), ("fx:url", "on")], "url", "FEEL"),
        ([("v:headers", "{a: }")], "headers", "FEEL"),
    ],
)
def test_bad_input_gets_a_message_on_the_field(
    rest: ElementTemplate, pairs: list[tuple[str, str]], key: str, message: str
) -> None:
    values = post(rest, [("v:url", "https://example.com"), *pairs])
    form = build_form(rest, values)
    assert message in " ".join(form.errors[key]), form.errors
    assert not form.ok


def test_feel_errors_say_where(rest: ElementTemplate) -> None:
    form = build_form(rest, {"url": "https://x", "headers": "={a: 1,}"})
    (message,) = form.errors["headers"]
    assert message.startswith("FEEL: ") and "column" in message


def test_sample_variables_feed_expressions(rest: ElementTemplate) -> None:
    values = {"url": '="https://shop/orders/" + string(orderId)'}
    form = build_form(rest, values, variables_text='{"orderId": 42}')
    assert form.job["variables"]["url"] == "https://shop/orders/42"
    assert form.ok


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "JSON object"),
        ("{'a': 1}", "not valid JSON"),
        ('{"a": NaN}', "NaN"),
        ("{" * 5000, "not valid JSON"),
    ],
)
def test_bad_sample_variables(rest: ElementTemplate, text: str, message: str) -> None:
    variables, problems = parse_variables(text)
    assert variables == {} and message in problems[0]
    form = build_form(rest, {"url": "https://x"}, variables_text=text)
    assert not form.ok and form.variables_errors == problems


def test_read_only_fields_and_placeholders() -> None:
    template = tiny(
        {"id": "region", "label": "Region", "type": "String", "value": "eu-1", "editable": False,
         "binding": {"type": "zeebe:input", "name": "region"}},
        {"id": "topic", "label": "Topic", "type": "String", "placeholder": "orders.created",
         "binding": {"type": "zeebe:input", "name": "topic"}},
    )  # fmt: skip
    shown = fields(build_form(template, {}))
    assert shown["region"].disabled and shown["region"].value == "eu-1"
    assert shown["topic"].placeholder == "orders.created"
    tampered = build_form(template, {"region": "us-1"})
    assert tampered.errors["region"] == ["this field cannot be changed"]
    assert tampered.job["variables"]["region"] == "eu-1"
