"""POST /api/v1/runs/ -> 202 with the queued run; GET list and detail (with ?wait); bad input
names the field."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from connectors.models import Run, RunStatus

from .conftest import respond_url

LIST = "/api/v1/runs/"


@pytest.mark.django_db
def test_start_answers_202_with_the_queued_run(signed_in_client: Any, catalogue: dict) -> None:
    body = {"template_id": "test.echo", "version": 1, "values": {"text": "=who"},
            "variables": {"who": "api"}}  # fmt: skip
    response = signed_in_client.post(LIST, body, content_type="application/json")
    assert response.status_code == 202, response.json()
    data = response.json()
    run = Run.objects.get()
    assert response["Location"] == data["url"] == f"/api/v1/runs/{run.pk}/"
    assert data["page_url"] == reverse("run-detail", args=[run.pk])
    assert data["status"] == "queued" and data["source"] == "api"
    assert data["job"]["variables"]["text"] == "api" and data["created_by"] == "ada"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({}, "template_id", "required"),
        ({"template_id": "nope"}, "template_id", "No connector with template id"),
        ({"template_id": "test.echo", "version": 7}, "version", "has no version 7"),
        ({"template_id": "test.echo", "values": {"fail": "x"}}, "values.fail", "true or false"),
        ({"template_id": "test.echo", "values": [1]}, "values", "must be a JSON object"),
        ({"template_id": "test.echo", "variables": 3}, "variables", "must be a JSON object"),
        ({"template_id": "test.echo", "time_limit": -1}, "time_limit", "more than 0"),
    ],
)
def test_bad_input_is_400_naming_the_field(
    signed_in_client: Any, catalogue: dict, body: dict, field: str, text: str
) -> None:
    response = signed_in_client.post(LIST, body, content_type="application/json")
    assert response.status_code == 400
    assert text in " ".join(response.json()[field])
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_a_body_that_is_not_an_object_is_400(signed_in_client: Any) -> None:
    response = signed_in_client.post(LIST, [1, 2], content_type="application/json")
    assert response.status_code == 400 and "JSON object" in str(response.json())


@pytest.mark.django_db
def test_list_filters_and_detail_404(signed_in_client: Any, catalogue: dict) -> None:
    for template in ("test.echo", "io.connectorhub.noop"):
        body = {"template_id": template, "values": {"text": "x"} if template == "test.echo" else {}}
        started = signed_in_client.post(LIST, body, content_type="application/json")
        assert started.status_code == 202
    data = signed_in_client.get(LIST, {"template_id": "test.echo"}).json()
    assert data["count"] == 1 and data["results"][0]["template_id"] == "test.echo"
    assert "values" not in data["results"][0]
    assert signed_in_client.get("/api/v1/runs/999/").status_code == 404
    pk = data["results"][0]["id"]
    assert signed_in_client.get(f"/api/v1/runs/{pk}/", {"wait": "x"}).status_code == 400
    assert signed_in_client.get(f"/api/v1/runs/{pk}/", {"wait": "99"}).status_code == 400


@pytest.mark.django_db
def test_anonymous_gets_401(client: Any) -> None:
    assert client.get(LIST).status_code == 401


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_start_then_wait_returns_the_stored_outcome(
    runs_worker: Any, signed_in_client: Any, catalogue: dict, http_server: Any
) -> None:
    body = {
        "template_id": "test.http",
        "values": {"url": respond_url(http_server, 200, {"n": 1}), "resultVariable": "r"},
    }
    started = signed_in_client.post(LIST, body, content_type="application/json").json()
    done = signed_in_client.get(started["url"], {"wait": "20"}).json()
    assert done["status"] == RunStatus.DONE and done["outcome"] == "completed"
    assert done["result"]["variables"]["r"]["body"] == {"n": 1}
    assert done["http_exchanges"][0]["status"] == 200
    rerun = signed_in_client.post(f"{started['url']}rerun/")
    assert rerun.status_code == 202 and rerun.json()["rerun_of"] == started["id"]


@pytest.mark.django_db
def test_another_users_run_is_404_and_not_listed(
    client: Any, user: Any, other_user: Any, catalogue: dict
) -> None:
    client.force_login(other_user)
    body = {"template_id": "test.echo", "values": {"text": "bob typed this"}}
    theirs = client.post(LIST, body, content_type="application/json").json()
    client.force_login(user)
    assert client.get(LIST).json()["count"] == 0
    for response in (
        client.get(theirs["url"]),
        client.get(theirs["url"], {"wait": "0.1"}),
        client.post(f"{theirs['url']}rerun/"),
    ):
        assert response.status_code == 404
        assert "bob typed this" not in response.content.decode()
    assert Run.objects.count() == 1
    user.is_staff = True
    user.save()
    assert client.get(theirs["url"]).status_code == 200
    assert client.get(LIST).json()["count"] == 1
    # a staff re-run is the staff user's run, with bob's secret permissions
    rerun = client.post(f"{theirs['url']}rerun/").json()
    assert (rerun["created_by"], rerun["secrets_as"]) == ("ada", "bob")


@pytest.mark.django_db
def test_a_deeply_nested_body_is_a_400(signed_in_client: Any, catalogue: dict) -> None:
    variables: Any = 1
    for _ in range(100):
        variables = {"a": variables}
    body = {"template_id": "test.echo", "values": {"text": "x"}, "variables": variables}
    response = signed_in_client.post(LIST, body, content_type="application/json")
    assert response.status_code == 400
    assert "nested more than 64 levels deep" in response.json()["detail"]
    assert not Run.objects.exists()
