"""Save as connector: a configuration becomes a connector in the catalogue that exports like any."""

from __future__ import annotations

import pytest

from connectors.elementtemplates import ElementTemplate, bpmn_view, check_values
from connectors.export import Selection, export_selection, template_bpmn
from connectors.export.save_as import SaveAsConnectorError, fixed_values, save_as_connector
from connectors.models import CatalogueEntry, SavedConfiguration, TemplateVersion
from tests.export.conftest import REST_ID, modeler_verdicts, newest_rest_template

pytestmark = pytest.mark.django_db

VALUES = {
    "method": "POST",
    "url": "https://api.example.com/orders",
    "headers": '={"Authorization": "Bearer {{secrets.ORDERS_TOKEN}}"}',
    "followRedirects": True,
    "connectionTimeoutInSeconds": 5,
    "body": "={id: orderId}",
}


@pytest.fixture
def configuration(rest_catalogue, user):
    return SavedConfiguration.objects.create(
        owner=user,
        name="Create order",
        template_id=REST_ID,
        template_version=newest_rest_template()["version"],
        values=VALUES,
    )


def save(configuration, **kwargs):
    options = {"template_id": "acme.orders.create", "name": "Create order", "user": None}
    options.update(kwargs)
    return save_as_connector(configuration=configuration, source=newest_rest_template(), **options)


def stored(template_id="acme.orders.create"):
    return TemplateVersion.objects.get(entry__template_id=template_id).content


def prop(template, key):
    return next(p for p in template["properties"] if p.get("id") == key)


def test_fixed_values_become_hidden_and_the_rest_stays_editable(configuration):
    result = save(configuration)

    assert [(t.template_id, t.version, t.status) for t in result.templates] == [
        ("acme.orders.create", 1, "imported")
    ]
    template = stored()
    assert prop(template, "method") == {
        **prop(template, "method"),
        "type": "Hidden",
        "value": "POST",
    }
    assert "choices" not in prop(template, "method")
    assert prop(template, "followRedirects")["value"] == "=true"  # as the Modeler writes it
    assert prop(template, "headers")["value"] == VALUES["headers"]  # the reference, not a value
    assert prop(template, "readTimeoutInSeconds")["type"] == "Number"  # untouched: editable
    assert prop(template, "id")["value"] == "acme.orders.create"  # elementTemplateId header
    assert prop(template, "version")["value"] == "1"
    assert CatalogueEntry.objects.get(template_id="acme.orders.create").kind == "template"
    # With no values at all, the new connector writes what the configuration wrote.
    original = bpmn_view(ElementTemplate.from_dict(newest_rest_template()), VALUES)
    mine = bpmn_view(ElementTemplate.from_dict(template), {})
    assert mine.inputs == original.inputs and mine.task_definition == original.task_definition
    headers = {h["key"]: h["value"] for h in mine.headers}
    assert headers["elementTemplateId"] == "acme.orders.create"


def test_default_mode_keeps_the_field_editable_with_the_value_as_default(configuration):
    save(configuration, modes={"url": "default", "connectionTimeoutInSeconds": "default"})

    template = stored()
    assert prop(template, "url")["type"] == "String"
    assert prop(template, "url")["value"] == VALUES["url"]
    assert prop(template, "connectionTimeoutInSeconds")["value"] == 5
    model = ElementTemplate.from_dict(template)
    assert check_values(model, {"url": "https://other.example.com/"}) == {}
    assert check_values(model, {"method": "GET"}) == {"method": ["this field cannot be changed"]}


def test_an_expression_in_a_boolean_can_only_be_fixed(configuration):
    configuration.values = {**VALUES, "followRedirects": "=redirects"}
    template = ElementTemplate.from_dict(newest_rest_template())

    choices = {f.key: f.can_be_default for f in fixed_values(template, configuration.values)}
    save(configuration, modes={"followRedirects": "default"})

    assert choices["followRedirects"] is False and choices["url"] is True
    assert prop(stored(), "followRedirects") == {
        **prop(stored(), "followRedirects"),
        "type": "Hidden",
        "value": "=redirects",
    }


def test_the_new_connector_exports_validates_and_gets_a_bpmn_file(configuration):
    save(configuration, modes={"url": "default"})

    result = export_selection(Selection(ids=["acme.orders.create"]))
    (exported,) = result.templates
    assert modeler_verdicts([("camunda8", exported.template)])[0]["valid"]
    assert 'zeebe:modelerTemplate="acme.orders.create"' in template_bpmn(exported.template)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"template_id": REST_ID}, "id", "already in the catalogue"),
        ({"template_id": "has space"}, "id", "letters, digits"),
        ({"name": "  "}, "name", "must not be empty"),
        ({"version": 0}, "version", "at least 1"),
        ({"modes": {"url": "sometimes"}}, "modes", "url: choose hidden or default"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(configuration, kwargs, field, message):
    with pytest.raises(SaveAsConnectorError) as refused:
        save(configuration, **kwargs)

    assert message in " ".join(refused.value.errors[field])
    assert not CatalogueEntry.objects.filter(template_id="acme.orders.create").exists()


def test_values_the_template_refuses_are_reported(configuration):
    configuration.values = {**VALUES, "method": "BREW"}

    with pytest.raises(SaveAsConnectorError) as refused:
        save(configuration)

    assert refused.value.errors["values"] == ["method: is not one of the choices"]
