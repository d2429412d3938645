"""The configure page and saved configurations over HTTP: what a signed-in person can do."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from connectors.catalogue.importing import import_documents
from connectors.models import ImportSource, Run, SavedConfiguration, TemplateVersion
from tests.configure.browserform import submitted

from .conftest import REST_ID

VALID = {"v:url": "https://example.com/orders", "v:authentication.type": "noAuth"}


def configure_url(version: TemplateVersion) -> str:
    return reverse("configure", args=[version.entry.template_id, version.version])


def page_data(client: Any, url: str, **changes: str) -> dict[str, list[str]]:
    """What the browser sends for the page as rendered, with some fields changed."""
    data = submitted(client.get(url).content.decode())
    for name, value in changes.items():
        data.setlist(name, [value])
    return {k: data.getlist(k) for k in data}


@pytest.mark.django_db
def test_entry_page_links_to_configure(
    signed_in_client: Any, rest_version: TemplateVersion
) -> None:
    url = reverse("catalogue-entry-version", args=[REST_ID, rest_version.version])
    html = signed_in_client.get(url).content.decode()
    assert f'href="{configure_url(rest_version)}"' in html and "Configure &amp; test" in html


@pytest.mark.django_db
def test_page_and_htmx_fragment(signed_in_client: Any, rest_version: TemplateVersion) -> None:
    url = configure_url(rest_version)
    page = signed_in_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and 'id="job-json"' in html and "URL must not be empty" in html
    fragment = signed_in_client.post(
        url, {"v:authentication.type": "bearer"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="fields"')
    assert 'name="v:authentication.token"' in fragment
    assert 'id="preview" class="card side-card" hx-swap-oob="true"' in fragment
    assert "&quot;type&quot;: &quot;bearer&quot;" in fragment


@pytest.mark.django_db
def test_template_ids_with_colons_and_dots(signed_in_client: Any) -> None:
    template = {
        "$schema": "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json",
        "id": "com.example:orders.fetch:v1", "name": "Fetch orders", "version": 3,
        "appliesTo": ["bpmn:Task"], "elementType": {"value": "bpmn:ServiceTask"},
        "properties": [
            {"type": "Hidden", "value": "orders", "binding": {"type": "zeebe:taskDefinition",
                                                               "property": "type"}},
            {"id": "shop", "label": "Shop", "type": "String",
             "binding": {"type": "zeebe:input", "name": "shop.name"}},
        ],
    }  # fmt: skip
    report = import_documents(
        [("orders.json", json.dumps(template).encode())], source=ImportSource.COMMAND
    )
    assert not report.failed
    url = reverse("configure", args=["com.example:orders.fetch:v1", 3])
    assert url == "/connectors/com.example:orders.fetch:v1/versions/3/configure/"
    assert signed_in_client.get(url).status_code == 200
    assert (
        signed_in_client.get(reverse("configure-default", args=[template["id"]])).status_code == 200
    )
    job = signed_in_client.post(
        f"/api/v1/templates/{template['id']}/versions/3/job",
        {"values": {"shop": "north"}},
        content_type="application/json",
    ).json()
    assert job["variables"] == {"shop": {"name": "north"}} and job["type"] == "orders"


@pytest.mark.django_db
def test_save_list_reopen_duplicate_delete(
    signed_in_client: Any, rest_version: TemplateVersion, user: Any
) -> None:
    url = configure_url(rest_version)
    data = page_data(signed_in_client, url, **VALID, name="Orders (staging)", action="save")
    data["variables"] = ['{"orderId": 42}']
    response = signed_in_client.post(url, data)
    saved = SavedConfiguration.objects.get(owner=user)
    assert response.status_code == 302 and response["Location"] == f"{url}?configuration={saved.pk}"
    assert saved.name == "Orders (staging)" and saved.template_id == REST_ID
    assert saved.template_version == rest_version.version
    assert saved.values["url"] == "https://example.com/orders"
    assert saved.variables == {"orderId": 42}

    listing = signed_in_client.get(reverse("configuration-list")).content.decode()
    assert "Orders (staging)" in listing and "Send REST Request" in listing
    reopened = signed_in_client.get(f"{url}?configuration={saved.pk}").content.decode()
    assert 'value="https://example.com/orders"' in reopened and "orderId" in reopened
    assert 'value="Orders (staging)"' in reopened

    # Saving again updates the same configuration.
    again = page_data(
        signed_in_client, f"{url}?configuration={saved.pk}", action="save",
        **{"v:url": "https://example.com/v2"},
    )  # fmt: skip
    signed_in_client.post(f"{url}?configuration={saved.pk}", again)
    saved.refresh_from_db()
    assert saved.values["url"] == "https://example.com/v2"
    assert SavedConfiguration.objects.count() == 1

    copy = signed_in_client.post(reverse("configuration-duplicate", args=[saved.pk]))
    duplicate = SavedConfiguration.objects.exclude(pk=saved.pk).get()
    assert copy["Location"] == reverse("configuration-detail", args=[duplicate.pk])
    assert duplicate.name == "Orders (staging) (copy)" and duplicate.values == saved.values
    detail = signed_in_client.get(copy["Location"]).content.decode()
    assert "https://example.com/v2" in detail

    signed_in_client.post(reverse("configuration-delete", args=[duplicate.pk]))
    assert list(SavedConfiguration.objects.values_list("pk", flat=True)) == [saved.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {"v:url": ""},  # notEmpty
        {"v:url": "ftp://example.com"},  # pattern
        {"v:connectionTimeoutInSeconds": "soon"},  # wrong type
        {"v:method": "TRACE"},  # outside the choices
        {"v:isAdmin": "true"},  # unknown field
        {"v:headers": "{a: }"},  # FEEL syntax
        {"variables": "[1]"},  # sample variables not an object
    ],
)
def test_bad_input_is_neither_stored_nor_run(
    signed_in_client: Any, rest_version: TemplateVersion, changes: dict[str, str]
) -> None:
    url = configure_url(rest_version)
    for action in ("save", "dry-run"):
        data = page_data(signed_in_client, url, **VALID, name="Bad", action=action)
        data |= {k: [v] for k, v in changes.items()}
        response = signed_in_client.post(url, data)
        assert response.status_code == 400
        assert 'class="errorlist"' in response.content.decode()
    assert not SavedConfiguration.objects.exists()
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_name_is_required_and_unique(signed_in_client: Any, rest_version: TemplateVersion) -> None:
    url = configure_url(rest_version)
    nameless = signed_in_client.post(url, page_data(signed_in_client, url, **VALID, action="save"))
    assert "Give the configuration a name" in nameless.content.decode()
    first = page_data(signed_in_client, url, **VALID, name="Orders", action="save")
    signed_in_client.post(url, first)
    clash = signed_in_client.post(url, first)
    assert (
        clash.status_code == 400 and "already have a configuration named" in clash.content.decode()
    )
    assert SavedConfiguration.objects.count() == 1


@pytest.mark.django_db
def test_another_users_configuration_is_404(
    client: Any, rest_version: TemplateVersion, user: Any, other_user: Any
) -> None:
    theirs = SavedConfiguration.objects.create(
        owner=other_user, name="Secret plan", template_id=REST_ID,
        template_version=rest_version.version, values={"url": "https://bob.example"},
    )  # fmt: skip
    client.force_login(user)
    url = configure_url(rest_version)
    assert client.get(f"{url}?configuration={theirs.pk}").status_code == 404
    assert client.post(url, {**VALID, "configuration": theirs.pk, "name": "x",
                             "action": "save"}).status_code == 404  # fmt: skip
    assert client.get(reverse("configuration-detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("configuration-duplicate", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("configuration-delete", args=[theirs.pk])).status_code == 404
    assert "Secret plan" not in client.get(reverse("configuration-list")).content.decode()
    theirs.refresh_from_db()
    assert theirs.values == {"url": "https://bob.example"}
    assert SavedConfiguration.objects.count() == 1


@pytest.mark.django_db
def test_newer_version_warning(
    signed_in_client: Any, rest_version: TemplateVersion, user: Any
) -> None:
    older = (
        TemplateVersion.objects.filter(entry__template_id=REST_ID, version__lt=rest_version.version)
        .order_by("-version")
        .first()
    )
    assert older is not None
    saved = SavedConfiguration.objects.create(
        owner=user, name="Old", template_id=REST_ID, template_version=older.version,
        values={"url": "https://example.com", "removedLongAgo": "x"},
    )  # fmt: skip
    html = signed_in_client.get(f"{configure_url(older)}?configuration={saved.pk}").content.decode()
    assert 'id="newer-version"' in html
    assert f"{configure_url(rest_version)}?configuration={saved.pk}" in html
    assert "removedLongAgo" in html  # said to be left out, not silently dropped
    listing = signed_in_client.get(reverse("configuration-list")).content.decode()
    assert f"v{rest_version.version} available" in listing
    newest = signed_in_client.get(f"{configure_url(rest_version)}?configuration={saved.pk}")
    assert 'id="newer-version"' not in newest.content.decode()
    assert 'id="other-version"' in newest.content.decode()


@pytest.mark.django_db
def test_dry_run_starts_a_run(
    signed_in_client: Any, rest_version: TemplateVersion, user: Any
) -> None:
    url = configure_url(rest_version)
    data = page_data(signed_in_client, url, **VALID, action="dry-run")
    data["variables"] = ['{"orderId": 7}']
    response = signed_in_client.post(url, data)
    run = Run.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "run-detail", args=[run.pk]
    )
    assert run.values["url"] == "https://example.com/orders" and run.variables == {"orderId": 7}
    assert run.job["variables"]["url"] == "https://example.com/orders"


@pytest.mark.django_db
def test_configuration_page_offers_its_bpmn_and_save_as_connector(
    signed_in_client: Any, rest_version: TemplateVersion, user: Any
) -> None:
    saved = SavedConfiguration.objects.create(
        owner=user, name="Orders", template_id=REST_ID,
        template_version=rest_version.version, values={"url": "https://example.com/orders"},
    )  # fmt: skip

    html = signed_in_client.get(reverse("configuration-detail", args=[saved.pk])).content.decode()

    assert f'href="{reverse("export-configuration-bpmn", args=[saved.pk])}"' in html
    assert f'href="{reverse("save-as-connector", args=[saved.pk])}"' in html


@pytest.mark.django_db
def test_open_a_run_as_configuration_fills_the_form(
    client: Any, rest_version: TemplateVersion, user: Any, other_user: Any
) -> None:
    run = Run.objects.create(
        template_id=REST_ID, template_version=rest_version, version=rest_version.version,
        values={"url": "https://example.com/from-a-run"}, variables={"orderId": 7},
        created_by=user, time_limit=30,
    )  # fmt: skip
    client.force_login(user)

    html = client.get(f"{configure_url(rest_version)}?run={run.pk}").content.decode()

    assert 'value="https://example.com/from-a-run"' in html
    assert "&quot;orderId&quot;: 7" in html
    client.force_login(other_user)
    assert client.get(f"{configure_url(rest_version)}?run={run.pk}").status_code == 404
    assert client.get(f"{configure_url(rest_version)}?run=abc").status_code == 404


@pytest.mark.django_db
def test_the_version_switch_keeps_the_values_whose_fields_exist(
    signed_in_client: Any, rest_version: TemplateVersion
) -> None:
    url = configure_url(rest_version)
    data = page_data(signed_in_client, url, **VALID, name="Orders")
    data["v:gone.field"] = ["typed for another version"]
    data["action"] = ["switch"]

    response = signed_in_client.post(url, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="https://example.com/orders"' in html and 'value="Orders"' in html
    assert "so left out: <code>gone.field</code>" in html
    assert "not part of this form" not in html


@pytest.mark.django_db
def test_a_retry_backoff_the_worker_refuses_is_refused_in_the_form(
    signed_in_client: Any, rest_version: TemplateVersion
) -> None:
    url = configure_url(rest_version)
    data = page_data(
        signed_in_client, url, **VALID, **{"v:retryBackoff": "30 seconds"}, action="dry-run"
    )

    response = signed_in_client.post(url, data)

    assert response.status_code == 400
    assert (
        "Retry backoff: use an ISO-8601 duration such as PT30S (30 seconds) or PT5M; "
        "'30 seconds' is not one." in response.content.decode()
    )
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_a_connector_no_connector_here_serves_offers_export_instead_of_dry_run(
    signed_in_client: Any,
) -> None:
    template = {
        "$schema": "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json",
        "id": "com.example.slackish", "name": "Slackish", "version": 1,
        "appliesTo": ["bpmn:Task"], "elementType": {"value": "bpmn:ServiceTask"},
        "properties": [
            {"type": "Hidden", "value": "com.example:slackish:1",
             "binding": {"type": "zeebe:taskDefinition", "property": "type"}},
        ],
    }  # fmt: skip
    report = import_documents(
        [("slackish.json", json.dumps(template).encode())], source=ImportSource.COMMAND
    )
    assert not report.failed

    html = signed_in_client.get(reverse("configure", args=[template["id"], 1])).content.decode()

    assert 'id="dry-run"' not in html
    assert "runs on Camunda\u2019s connector runtime" in html
    assert f'href="{reverse("export")}?id=com.example.slackish"' in html


@pytest.mark.django_db
def test_test_cases_are_linked_from_configurations_and_connectors(
    signed_in_client: Any, user: Any, rest_version: TemplateVersion
) -> None:
    from connectors.models import RunTestCase

    saved = SavedConfiguration.objects.create(
        owner=user,
        name="Orders",
        template_id=REST_ID,
        template_version=rest_version.version,
        values={"url": "https://example.com/orders"},
    )
    tests_url = reverse("connector-tests", args=[REST_ID])
    edit_url = reverse("test-case-edit", args=[saved.pk])
    detail_url = reverse("configuration-detail", args=[saved.pk])

    untested = signed_in_client.get(detail_url).content.decode()
    assert f'<a href="{edit_url}">Add expectations</a>' in untested
    assert f'<a href="{tests_url}">Test cases of this connector</a>' in untested
    RunTestCase.objects.create(configuration=saved, expected_outcome="completed")
    tested = signed_in_client.get(detail_url).content.decode()
    assert (
        "it expects Completed" in tested and f'<a href="{edit_url}">Edit expectations</a>' in tested
    )
    entry = signed_in_client.get(reverse("catalogue-entry", args=[REST_ID])).content.decode()
    assert f'<a class="button" href="{tests_url}">Test cases</a>' in entry
