"""Inbound webhook throughput: correlated webhook requests per second through the hub's whole
request path (middleware, the endpoint, the executable, the connector, correlation over REST to
the engine) against (a) a bare Django view answering 200 on the same stack (issue 21's target:
ratio >= 0.7) and (b) a bare Django view on the same stack that makes the same engine request
with a kept httpx client and answers 202: the webhook's extra ms over (b) is what the hub adds.

Run: .venv/bin/python bench/bench_inbound.py [requests per batch, default 100] [rounds, default 10]
(needs .ci/fetch-zeebe-protocol: the test engine's REST face checks every request)

The engine (the project's test engine behind its REST face) runs in a process of its own, so it
does not share the hub's GIL; requests go through Django's test client (no socket), the same for
all variants. Variants: a start event (create an instance) and a message start event (publish a
message), each beside its bare view with the same engine request; and the engine call alone
through the hub's engine door (connectors/inbound/engine.py, no Django): its difference to the
bare engine view is the door's asynchronous client and thread hop against a sync client. The
rest of each figure is the engine's answer time (the test engine checks each request and answer
against rest-api.yaml, compiled: tests/services/zeebe_engine/contract.py). The
webhook connector is the smallest one (correlate the JSON body, answer 202), so the figures are
the runtime's cost, not a connector's checks. Method: bench/rounds.py.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")
DATA = tempfile.mkdtemp(prefix="bench-inbound-")
# A database file of its own: the benchmark never touches the developer's data.
os.environ["CONNECTORHUB_DATA_DIR"] = DATA
os.environ["DATABASE_URL"] = f"sqlite:///{DATA}/bench.sqlite3"

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from connectorhub_sdk.inbound import (  # noqa: E402
    InboundContext,
    WebhookRequest,
    WebhookResponse,
    webhook,
)
from django.conf import settings  # noqa: E402
from django.contrib.auth.decorators import login_not_required  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from pydantic import BaseModel, ConfigDict  # noqa: E402
from rounds import print_ratios, rates, timed  # noqa: E402 - bench/'s shared method

from connectors.inbound import registry  # noqa: E402
from connectors.inbound.discovery import deploy  # noqa: E402
from connectors.inbound.engine import engine_call  # noqa: E402
from tests.inbound.processes import message_start_process, start_event_process  # noqa: E402

TARGET = 0.7
BARE = "bare Django view (200)"
BARE_START = "bare view + engine call (create instance, kept httpx)"
START = "webhook -> create process instance"
BARE_PUBLISH = "bare view + engine call (publish message, kept httpx)"
PUBLISH = "webhook -> publish message"
BODY = {"orderId": 7, "items": [{"sku": "A-1", "qty": 2}], "customer": {"name": "Ada"}}


class HookInput(BaseModel):
    model_config = ConfigDict(extra="ignore")
    inbound: dict[str, Any]


@webhook(type="bench:webhook:1", name="Bench webhook", input=HookInput)
def hook(data: HookInput, request: WebhookRequest, context: InboundContext) -> WebhookResponse:
    result = context.correlate({"request": {"body": json.loads(request.body)}})
    return WebhookResponse(202, {"outcome": str(result.outcome)})


@csrf_exempt
@login_not_required
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=200)


class BareEngine:
    """Bare views that send what the webhooks send (the result expression's `order`) to the
    engine with one kept httpx client, and answer 202: the engine's share without the hub."""

    http: httpx.Client | None = None

    @classmethod
    def post(cls, path: str, body: dict[str, Any]) -> HttpResponse:
        if cls.http is None:
            cls.http = httpx.Client(base_url=f"{settings.CAMUNDA_REST_ADDRESS}/v2")
        answer = cls.http.post(path, json=body)
        answer.raise_for_status()
        return HttpResponse(answer.content, status=202, content_type="application/json")


@csrf_exempt
@login_not_required
def bare_start(request: HttpRequest) -> HttpResponse:
    order = json.loads(request.body)
    instance = {"processDefinitionId": "bench-start", "processDefinitionVersion": 1,
                "variables": {"order": order}}  # fmt: skip
    return BareEngine.post("/process-instances", instance)


@csrf_exempt
@login_not_required
def bare_publish(request: HttpRequest) -> HttpResponse:
    order = json.loads(request.body)
    message = {"name": "ordered", "correlationKey": str(order["orderId"]), "timeToLive": 1000,
               "variables": {"order": order}}  # fmt: skip
    return BareEngine.post("/messages/publication", message)


urlpatterns = [
    path("bare/", bare),
    path("bare/start/", bare_start),
    path("bare/publish/", bare_publish),
    path("", include("connectorhub.urls")),
]


def serve(address: multiprocessing.SimpleQueue, stop: Any) -> None:  # type: ignore[type-arg]
    from tests.services.zeebe_engine import ZeebeTestEngine  # the child's own imports
    from tests.services.zeebe_engine.rest import RestFace, require_protocol

    with ZeebeTestEngine() as engine, RestFace(engine, require_protocol()) as face:
        address.put(face.address)
        stop.wait()


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    logging.getLogger("httpx").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    addresses: multiprocessing.SimpleQueue = multiprocessing.SimpleQueue()  # type: ignore[type-arg]
    stop = multiprocessing.Event()
    engine = multiprocessing.Process(target=serve, args=(addresses, stop), daemon=True)
    engine.start()
    try:
        with override_settings(
            ROOT_URLCONF=__name__, CAMUNDA_REST_ADDRESS=addresses.get(), ZEEBE_ADDRESS=""
        ):
            measure(calls, rounds)
    finally:
        stop.set()
        engine.join(5)


def measure(calls: int, rounds: int) -> None:
    registry.register(hook)
    properties = {"inbound.type": hook.type, "resultExpression": "={order: request.body}"}
    start = start_event_process("bench-start", {**properties, "inbound.context": "start"})
    deploy([("start.bpmn", start.encode())])
    message = {**properties, "inbound.context": "message", "messageTtl": "PT1S",
               "correlationKeyExpression": "=string(request.body.orderId)"}  # fmt: skip
    deploy([("message.bpmn", message_start_process("bench-message", "ordered", message).encode())])
    client = Client(HTTP_HOST="localhost")  # an allowed host, as a browser on the machine
    body = json.dumps(BODY)

    def post(path: str, status: int) -> Any:
        def call() -> None:
            answer = client.post(path, body, content_type="application/json")
            assert answer.status_code == status, answer.content

        return call

    def engine_alone() -> None:  # what the start webhook sends, through the hub's engine door
        instance = {"order": BODY}
        engine_call(
            lambda camunda: camunda.create_process_instance("bench-start", instance, version=1)
        )

    latencies: dict[str, list[float]] = {}
    work = {
        BARE: post("/bare/", 200),
        "engine door alone (create instance, no Django)": engine_alone,
        BARE_START: post("/bare/start/", 202),
        START: post("/inbound/start", 202),
        BARE_PUBLISH: post("/bare/publish/", 202),
        PUBLISH: post("/inbound/message", 202),
    }
    work = {label: timed(call, latencies.setdefault(label, [])) for label, call in work.items()}
    for call in work.values():
        call()  # warm: executables built, connections open
    print(f"{calls} requests per batch, {rounds} rounds; engine {settings.CAMUNDA_REST_ADDRESS}")
    print(f"load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    measured = rates(work, calls, rounds)
    print_ratios(measured, BARE, unit="req", latencies_ms=latencies)
    print("\n(b) the hub's own overhead: each webhook against the bare view making its engine call")
    for base, hooked in ((BARE_START, START), (BARE_PUBLISH, PUBLISH)):
        pair = {base: measured[base], hooked: measured[hooked]}
        print_ratios(pair, base, unit="req", latencies_ms=latencies)
    print(f"load average after: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    verdict(measured)


def verdict(measured: dict[str, list[float]]) -> None:
    """Issue 21's target against the bare view, on the median of the per-round ratios."""
    for label in (START, PUBLISH):
        ratio = statistics.median(
            r / b for r, b in zip(measured[label], measured[BARE], strict=True)
        )
        met = "met" if ratio >= TARGET else "not met"
        print(f"{label}: {ratio:.2f}x the bare view (target {TARGET}x: {met})")


if __name__ == "__main__":
    main()
