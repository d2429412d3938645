"""A generated operation runs: data/orders.yaml imported with the local server as base URL,
`createOrder` dry-run through the real Celery worker and the REST connector, against a local
server that checks each request against the description with openapi-core (path, query,
headers, body and the API key) and refuses what does not conform with 422."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest

from connectors.apiimport.services import api_import
from connectors.models import ImportSource, RunOutcome, TemplateVersion
from connectors.secrets.services import secret_create
from tests.apiimport.conftest import ORDERS, preview_of
from tests.builtin.test_dry_run import dry_run, egress_worker  # noqa: F401 (fixture)
from tests.services.http_servers import Recorded, RecordingServer, Reply

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]
STORE = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.fixture
def checking_server() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        spec = yaml.safe_load(ORDERS.read_text())
        spec["servers"] = [{"url": f"{server.url}/v1"}]
        api = OpenAPI.from_dict(spec)

        def check(request: Recorded) -> Reply:
            mock = MockRequest(
                server.url, request.method.lower(), request.path, args=dict(request.query),
                headers=dict(request.headers), data=request.body or None,
                content_type=(request.header("Content-Type") or "").split(";")[0],
            )  # fmt: skip
            try:
                api.validate_request(mock)
            except Exception as exc:  # openapi-core's validation errors: the violation
                return Reply(status=422, json={"violation": f"{exc!r}: {exc.__cause__!r}"[:500]})
            return Reply(status=201, json={"id": 7, **request.json()})

        server.fallback = check
        yield server


@pytest.mark.usefixtures("egress_worker")
def test_a_generated_operation_runs_and_the_server_finds_the_request_valid(
    checking_server: RecordingServer, user: Any
) -> None:
    # the server is a real check: a request without the required header is refused
    refused = httpx.post(f"{checking_server.url}/v1/stores/{STORE}/orders", json={"item": "x"})
    assert refused.status_code == 422

    preview = preview_of(ORDERS, base_url=f"{checking_server.url}/v1")
    assert api_import(preview, source=ImportSource.UPLOAD).ok
    version = TemplateVersion.objects.get(entry__template_id="io.connectorhub.api.order-service")
    secret_create(name="SHOP_KEY", value="k-9f2c4e", allowed_hosts=["127.0.0.1"])
    run = dry_run(
        version,
        {
            "operationId": "createOrder",
            "path_storeId": STORE,
            "header_X_Request_Id": "req-000042",
            "query_dryRun": "=true",
            "authentication.type": "apiKey",
            "authentication.value": "{{secrets.SHOP_KEY}}",
            "resultVariable": "order",
        },
        user,
    )
    assert run.outcome == RunOutcome.COMPLETED, (run.error_message, run.result)
    order = run.outcome_record.variables["order"]
    assert order["status"] == 201, order
    assert order["body"]["item"] == "coffee"
    sent = checking_server.last(f"/v1/stores/{STORE}/orders")
    assert sent.method == "POST"
    assert sorted(sent.query) == [("dryRun", "true"), ("priority", "low")]
    assert sent.header("X-Request-Id") == "req-000042"
    assert sent.header("X-API-Key") == "k-9f2c4e"
    assert sent.json()["quantity"] == 1
