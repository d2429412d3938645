"""Export pages show the words of a template's labels and messages, never their tags."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from connectors.catalogue.importing import import_documents
from connectors.models import ImportSource, SavedConfiguration

pytestmark = pytest.mark.django_db

TEMPLATE_ID = "com.example:html-labels"
LABEL = "<b>Amount</b> <script>x</script>"
MESSAGE = "must be <code>digits</code><script>alert(1)</script>"


def html_label_template() -> dict[str, Any]:
    return {
        "$schema": "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json",
        "id": TEMPLATE_ID, "name": "HTML labels", "version": 1,
        "appliesTo": ["bpmn:Task"], "elementType": {"value": "bpmn:ServiceTask"},
        "properties": [
            {"type": "Hidden", "value": "html-labels",
             "binding": {"type": "zeebe:taskDefinition", "property": "type"}},
            {"id": "amount", "type": "String", "label": LABEL,
             "constraints": {"pattern": {"value": "^[0-9]+$", "message": MESSAGE}},
             "binding": {"type": "zeebe:input", "name": "amount"}},
        ],
    }  # fmt: skip


@pytest.fixture
def html_labels(db: Any) -> None:
    document = json.dumps(html_label_template()).encode()
    report = import_documents([("labels.json", document)], source=ImportSource.COMMAND)
    assert not report.failed, report.failed


@pytest.fixture
def configuration(html_labels: None, user: Any) -> SavedConfiguration:
    return SavedConfiguration.objects.create(
        owner=user,
        name="Pay",
        template_id=TEMPLATE_ID,
        template_version=1,
        values={"amount": "12"},
    )


def assert_no_markup(html: str) -> None:
    """Neither the template's tags nor their escaped text, nor what the script held."""
    for tag in ("b", "script", "code"):
        assert f"&lt;{tag}" not in html.lower(), tag
    assert "<b>" not in html and "<script>" not in html and "<code>digits" not in html
    assert "alert(" not in html and "</script>x" not in html and ">x<" not in html


def test_save_as_page_shows_the_words_of_a_label(
    signed_in_client: Client, configuration: SavedConfiguration
) -> None:
    response = signed_in_client.get(f"/configurations/{configuration.pk}/save-as-connector/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Amount</strong>" in html
    assert_no_markup(html.split("<main", 1)[-1])


def test_save_as_errors_show_the_words_of_a_label_and_a_constraint_message(
    signed_in_client: Client, configuration: SavedConfiguration
) -> None:
    SavedConfiguration.objects.filter(pk=configuration.pk).update(values={"amount": "twelve"})

    response = signed_in_client.post(
        f"/configurations/{configuration.pk}/save-as-connector/",
        {"id": "acme.pay", "name": "Pay", "version": "1"},
    )

    html = response.content.decode()
    assert response.status_code == 400
    errors = html.split('id="save-as-errors"', 1)[1].split("</ul>", 1)[0]
    assert "amount: Amount must be digits" in errors
    assert_no_markup(html.split("<main", 1)[-1])


def test_bpmn_problem_page_shows_the_words_of_an_unfilled_label(
    signed_in_client: Client, html_labels: None
) -> None:
    response = signed_in_client.get(f"/export/connectors/{TEMPLATE_ID}/process.bpmn")

    html = response.content.decode()
    assert response.status_code == 422
    reasons = html.split('id="export-reasons"', 1)[1].split("</ul>", 1)[0]
    assert "<li>Amount (amount) has no default value</li>" in reasons
    assert_no_markup(html.split("<main", 1)[-1])


def test_an_unknown_id_is_shown_exactly_as_asked_for(signed_in_client: Client) -> None:
    """A problem's label is a template id (and version), not template text: it stays verbatim,
    escaped, so that the user can find the id they asked for."""
    response = signed_in_client.get("/export/", {"id": "<b>x</b>"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<strong>&lt;b&gt;x&lt;/b&gt;</strong>: <code>no connector with this id" in html
    assert "<b>x</b>" not in html
