"""Operations: the Inbound page and /api/v1/inbound/ list the elements with endpoint, health and
their latest events; the Deploy action (page and API) deploys a BPMN file or a saved
configuration's process to the engine and activates its inbound elements at once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token

from connectors.inbound.discovery import discover
from connectors.models import ElementState, InboundElement, InboundProcess, SavedConfiguration
from tests.export.conftest import REST_ID, newest_rest_template, rest_catalogue  # noqa: F401
from tests.inbound.conftest import ECHO, QUEUE, Camunda
from tests.inbound.processes import start_event_process

pytestmark = [pytest.mark.zeebe, pytest.mark.django_db]


def bpmn_file(process_id: str, properties: dict[str, str]) -> SimpleUploadedFile:
    xml = start_event_process(process_id, properties).encode()
    return SimpleUploadedFile(f"{process_id}.bpmn", xml, content_type="application/xml")


@pytest.fixture
def staff(signed_in_client: Client, user: Any) -> Client:
    user.is_staff = True
    user.save()
    return signed_in_client


@pytest.fixture
def api(client: Client, user: Any) -> Client:
    token = Token.objects.create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def test_the_page_and_the_api_show_endpoint_health_and_last_events(
    camunda: Camunda, test_connectors: None, signed_in_client: Client, api: Client
) -> None:
    hook = {"inbound.type": ECHO, "inbound.context": "orders"}
    camunda.deploy("o.bpmn", start_event_process("orders", hook))
    camunda.deploy("b.bpmn", start_event_process("broken", {"inbound.type": "acme:none:1"}))
    discover()
    Client().post("/inbound/orders", "{}", content_type="application/json")

    page = signed_in_client.get("/inbound/").content.decode()
    assert "http://testserver/inbound/orders" in page
    assert "PROCESS_INSTANCE_CREATED" in page
    assert "No inbound connector is registered for inbound.type &#x27;acme:none:1&#x27;" in page
    assert 'id="inbound-deploy"' not in page  # deploying is for staff

    listed = {item["process_id"]: item for item in api.get("/api/v1/inbound/").json()}
    orders = listed["orders"]
    assert (orders["health"], orders["url"], orders["kind"]) == (
        "UP", "http://testserver/inbound/orders", "startEvent",
    )  # fmt: skip
    assert orders["events"][0]["outcome"] == "PROCESS_INSTANCE_CREATED"
    assert listed["broken"]["health"] == "DOWN"
    assert "acme:none:1" in listed["broken"]["reason"]
    assert Client().get("/api/v1/inbound/").status_code == 401
    assert Client().get("/inbound/").status_code == 302  # the page needs a sign-in


def test_staff_deploy_a_bpmn_file_from_the_page(
    camunda: Camunda, test_connectors: None, staff: Client
) -> None:
    upload = bpmn_file("signup", {"inbound.type": QUEUE, "inbound.queue": "q"})
    answer = staff.post("/inbound/deploy/", {"bpmn": upload}, follow=True)
    assert "Deployed signup v1" in answer.content.decode()
    assert [p.id for p in camunda.engine.instances.processes["signup"]] == ["signup"]
    process = InboundProcess.objects.get()
    assert (process.source, process.deployed_by_id) == ("hub", answer.wsgi_request.user.pk)
    assert InboundElement.objects.get().state == ElementState.ACTIVE

    broken = SimpleUploadedFile("x.bpmn", b"<not-bpmn/>")
    answer = staff.post("/inbound/deploy/", {"bpmn": broken}, follow=True)
    assert "Deploy failed: x.bpmn: the root element is not bpmn:definitions" in (
        answer.content.decode()
    )


def test_the_deploy_form_names_the_engine_or_says_none_is_configured(
    camunda: Camunda, staff: Client, settings: Any
) -> None:
    page = staff.get("/inbound/").content.decode()
    assert f"To the engine at <code>{camunda.face.address}</code>" in page
    assert 'id="no-engine"' not in page

    settings.CAMUNDA_REST_ADDRESS = ""
    page = staff.get("/inbound/").content.decode()
    assert "No engine is configured: set <code>CAMUNDA_REST_ADDRESS</code>" in page
    assert '<button type="submit" class="primary" disabled>Deploy</button>' in page


def test_only_staff_deploy(camunda: Camunda, signed_in_client: Client, api: Client) -> None:
    upload = bpmn_file("signup", {"inbound.type": QUEUE})
    assert signed_in_client.post("/inbound/deploy/", {"bpmn": upload}).status_code == 403
    assert api.post("/api/v1/inbound/deployments", {"bpmn": upload}).status_code == 403
    assert camunda.engine.instances.processes == {}


def test_the_api_deploys_and_says_what_went_wrong(
    camunda: Camunda, test_connectors: None, api: Client, user: Any
) -> None:
    user.is_staff = True
    user.save()
    upload = bpmn_file("hooked", {"inbound.type": ECHO, "inbound.context": "hooked"})
    made = api.post("/api/v1/inbound/deployments", {"bpmn": upload})
    assert made.status_code == 201, made.content
    (process,) = made.json()["processes"]
    assert (process["process_id"], process["version"]) == ("hooked", 1)
    assert (
        Client().post("/inbound/hooked", "{}", content_type="application/json").status_code == 202
    )

    text = SimpleUploadedFile("notes.txt", b"hello")
    refused = api.post("/api/v1/inbound/deployments", {"bpmn": text})
    assert refused.status_code == 400
    assert refused.json() == {"bpmn": ["notes.txt: only .bpmn (BPMN XML) files are deployed"]}
    assert api.post("/api/v1/inbound/deployments", {}).status_code == 400

    camunda.down()
    upload = bpmn_file("later", {"inbound.type": QUEUE, "inbound.queue": "q"})
    unreachable = api.post("/api/v1/inbound/deployments", {"bpmn": upload})
    assert unreachable.status_code == 503
    assert "engine" in unreachable.json()


def test_a_saved_configurations_process_is_deployed(
    camunda: Camunda,
    api: Client,
    user: Any,
    rest_catalogue: None,  # noqa: F811
) -> None:
    user.is_staff = True
    user.save()
    configuration = SavedConfiguration.objects.create(
        owner=user,
        name="Create order",
        template_id=REST_ID,
        template_version=newest_rest_template()["version"],
        values={"method": "POST", "url": "https://api.example.com/orders"},
    )
    made = api.post(
        "/api/v1/inbound/deployments",
        json.dumps({"configuration": configuration.pk}),
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    (deployed,) = [p for versions in camunda.engine.instances.processes.values() for p in versions]
    assert [e.job_type for e in deployed.elements.values() if e.job_type] == [
        "io.camunda:http-json:1"
    ]
    other = api.post(
        "/api/v1/inbound/deployments",
        json.dumps({"configuration": configuration.pk + 1}),
        content_type="application/json",
    )
    assert other.status_code == 404
