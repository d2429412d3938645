"""Inbound webhook throughput over HTTP: correlated webhook requests per second sent by wrk to
the server `make run` starts (`manage.py runserver`: threaded, Nagle off) through the hub's whole
request path (middleware, the endpoint, the executable, the connector, correlation over REST to
the engine), against (a) a bare Django view answering 200 on the same server (issue 21's
target: ratio >= 0.7) and (b) a bare Django view on the same server that makes the same engine
request with a kept httpx client and answers 202: what (b) reaches is the most any webhook can
reach, since the answer waits for the engine; the webhook's distance to (b) is what the hub adds.

Run: .venv/bin/python bench/bench_inbound.py [seconds per batch, default 3] [rounds, default 5]
    [connections, default 1,8]
(needs wrk, `apt-get install wrk`, and .ci/fetch-zeebe-protocol: the test engine's REST face
checks every request)

One sender (one kept-alive connection, each request after the last) gives the latency; eight
give the throughput of a server carrying several senders at once. The engine (the project's
test engine behind its REST face, each request and answer checked against rest-api.yaml,
compiled: tests/services/zeebe_engine/contract.py) runs in a process of its own, the server in
another, wrk in a third: all on the same cores, as they would be on one machine. Variants: a
start event (create an instance) and a message start event (publish a message), each beside its
bare view with the same engine request. The webhook connector is the smallest one (correlate
the JSON body, answer 202), so the figures are the runtime's cost, not a connector's checks.
Method: bench/rounds.py (rotated rounds; the median of the per-round ratios).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
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
from django.db import connections  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from pydantic import BaseModel, ConfigDict  # noqa: E402
from rounds import print_ratios, rotated  # noqa: E402 - bench/'s shared method

from connectorhub.localredis import free_port  # noqa: E402
from connectors.inbound import registry  # noqa: E402
from connectors.inbound.discovery import deploy  # noqa: E402
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


# wrk sends the body with each request and prints p50/p95 in microseconds when done
WRK_SCRIPT = """wrk.method = "POST"
wrk.body = [[%s]]
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format("p50 %%d p95 %%d\\n", latency:percentile(50), latency:percentile(95)))
end
"""


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    senders = [int(n) for n in sys.argv[3].split(",")] if len(sys.argv) > 3 else [1, 8]
    if shutil.which("wrk") is None:
        sys.exit("bench_inbound.py needs wrk, the HTTP load generator: apt-get install wrk")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    addresses: multiprocessing.SimpleQueue = multiprocessing.SimpleQueue()  # type: ignore[type-arg]
    stop = multiprocessing.Event()
    engine = multiprocessing.Process(target=serve, args=(addresses, stop), daemon=True)
    engine.start()
    server = None
    try:
        engine_address = addresses.get()
        with override_settings(CAMUNDA_REST_ADDRESS=engine_address, ZEEBE_ADDRESS=""):
            deploy_processes()
        port = free_port()
        server = multiprocessing.Process(target=run_server, args=(port, engine_address))
        server.start()
        base = f"http://127.0.0.1:{port}"
        wait_for(base)
        print(f"engine {engine_address}; hub {base} (manage.py runserver, as make run)")
        for count in senders:
            measure(base, count, seconds, rounds)
    finally:
        stop.set()  # the engine first: the hub's kept connections to it would be reset
        engine.join(5)
        if server is not None:
            server.terminate()
            server.join(5)


def deploy_processes() -> None:
    registry.register(hook)
    properties = {"inbound.type": hook.type, "resultExpression": "={order: request.body}"}
    start = start_event_process("bench-start", {**properties, "inbound.context": "start"})
    deploy([("start.bpmn", start.encode())])
    message = {**properties, "inbound.context": "message", "messageTtl": "PT1S",
               "correlationKeyExpression": "=string(request.body.orderId)"}  # fmt: skip
    deploy([("message.bpmn", message_start_process("bench-message", "ordered", message).encode())])
    connections.close_all()  # the server process opens its own


def run_server(port: int, engine_address: str) -> None:
    """The hub's web server in a child process forked from this one (the bench's connector is
    registered in it, the engine door is not: its loop thread did not come along)."""
    from connectors.inbound import engine as door

    door._door = door.EngineDoor()
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the request log, unread
    with override_settings(
        ROOT_URLCONF=__name__, CAMUNDA_REST_ADDRESS=engine_address, ZEEBE_ADDRESS=""
    ):
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, skip_checks=True)


def wait_for(base: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.post(f"{base}/bare/", timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


VARIANTS = {
    BARE: "/bare/",
    BARE_START: "/bare/start/",
    START: "/inbound/start",
    BARE_PUBLISH: "/bare/publish/",
    PUBLISH: "/inbound/message",
}


def measure(base: str, count: int, seconds: float, rounds: int) -> None:
    script = Path(DATA) / "post.lua"
    script.write_text(WRK_SCRIPT % json.dumps(BODY))
    for url_path in VARIANTS.values():  # warm: executables built, connections open
        wrk(base + url_path, script, count, 1)
    measured: dict[str, list[float]] = {label: [] for label in VARIANTS}
    latencies: dict[str, list[tuple[float, float]]] = {label: [] for label in VARIANTS}
    load = os.getloadavg()[0]
    for _, label in rotated(VARIANTS, rounds):
        rate, p50, p95 = wrk(base + VARIANTS[label], script, count, seconds)
        measured[label].append(rate)
        latencies[label].append((p50, p95))
    print(f"\n{count} sender(s), {rounds} rounds of {seconds:g} s each; load average "
          f"{load:.2f} -> {os.getloadavg()[0]:.2f}")  # fmt: skip
    print_ratios(measured, BARE, unit="req")
    print("p50 / p95 ms (median of the rounds):")
    for label, pairs in latencies.items():
        p50 = statistics.median(p for p, _ in pairs)
        p95 = statistics.median(p for _, p in pairs)
        print(f"  {label:56s} {p50:7.2f} {p95:7.2f}")
    print("(b) what the hub adds: each webhook against the bare view making its engine call")
    for bare_engine, hooked in ((BARE_START, START), (BARE_PUBLISH, PUBLISH)):
        pair = {bare_engine: measured[bare_engine], hooked: measured[hooked]}
        print_ratios(pair, bare_engine, unit="req")
    verdict(measured)


def wrk(url: str, script: Path, count: int, seconds: float) -> tuple[float, float, float]:
    """Requests per second, p50 and p95 in ms; any answer but the expected one stops the bench."""
    command = ["wrk", "-t", "1", "-c", str(count), "-d", f"{seconds:g}s", "-s", str(script), url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    wrong = re.search(r"(Non-2xx or 3xx responses|Socket errors):.*", out)
    if wrong:
        raise SystemExit(f"{url}: {wrong.group(0)}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50, p95 = re.search(r"p50 (\d+) p95 (\d+)", out).groups()  # type: ignore[union-attr]
    return rate, int(p50) / 1000, int(p95) / 1000


def verdict(measured: dict[str, list[float]]) -> None:
    """Issue 21's target against the bare view, on the median of the per-round ratios, beside
    what the bare view making the same engine call reaches (the ceiling of any webhook)."""
    for bare_engine, label in ((BARE_START, START), (BARE_PUBLISH, PUBLISH)):
        ratio, ceiling = (
            statistics.median(r / b for r, b in zip(measured[name], measured[BARE], strict=True))
            for name in (label, bare_engine)
        )
        met = "met" if ratio >= TARGET else "not met"
        print(f"{label}: {ratio:.2f}x the bare view (target {TARGET}x: {met}; "
              f"the engine call alone: {ceiling:.2f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
