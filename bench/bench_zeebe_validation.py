"""CPU per job command of the test engine's REST checks: openapi-core against the compiled ones.

    .venv/bin/python bench/bench_zeebe_validation.py [--calls 300] [--rounds 3] [--jobs 5]

What the test engine spends checking one command against rest-api.yaml (request and response),
for the commands a worker sends per job: an activation answered with JOBS jobs, and a
completion. `openapi-core` is `OpenAPI.validate_request`/`validate_response` (how the engine
checks every other endpoint); `compiled` is tests/services/zeebe_engine/contract.py (how it
checks the job endpoints). CPU time of this process, median of rotated rounds
(bench/rounds.py), so the machine's load moves it less than wall time. Needs
.ci/fetch-zeebe-protocol.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openapi_core.testing import MockRequest, MockResponse
from rounds import rotated

from tests.services.zeebe_engine.rest import job_contract, openapi, rest_api_path

KEY = "2251799813685249"
JOB = {
    "type": "io.camunda:http-json:1", "processDefinitionId": "bench", "elementId": "task",
    "processDefinitionVersion": 1, "customHeaders": {"resultVariable": "result"},
    "worker": "bench", "retries": 3, "deadline": 1765000000000, "tenantId": "<default>",
    "variables": {"method": "GET", "url": "http://127.0.0.1:8080/slow"}, "jobKey": KEY,
    "processInstanceKey": "2251799813685248", "processDefinitionKey": "2251799813685247",
    "elementInstanceKey": "2251799813685246", "kind": "BPMN_ELEMENT",
    "listenerEventType": "UNSPECIFIED",
}  # fmt: skip
ACTIVATION = {"type": "t", "worker": "bench", "timeout": 300_000, "maxJobsToActivate": 100}
COMPLETION = {"variables": {"result": {"status": 200, "headers": {}, "body": {"ok": True}}}}


def commands(jobs: int) -> dict[str, tuple[str, str, dict[str, object], int, bytes]]:
    """name -> (method, path, request body, status, response body) of each job command."""
    answer = json.dumps({"jobs": [JOB] * jobs}).encode()
    return {
        f"activation with {jobs} jobs": ("post", "/v2/jobs/activation", ACTIVATION, 200, answer),
        "completion": ("post", f"/v2/jobs/{KEY}/completion", COMPLETION, 204, b""),
    }


def checkers(
    path: Path, command: tuple[str, str, dict[str, object], int, bytes]
) -> dict[str, Callable[[], None]]:
    method, url, body, status, answer = command
    api, contract = openapi(path), job_contract(path)
    content_type = "application/json"
    request = MockRequest("http://localhost:8080", method, url, data=json.dumps(body))
    response = MockResponse(answer, status_code=status, content_type=content_type)
    operation, parameters = contract.find(method.upper(), url) or (None, {})
    assert operation is not None

    def with_openapi_core() -> None:
        api.validate_request(request)
        api.validate_response(request, response)

    def compiled() -> None:
        # What the engine does per request: parse the body, check it, check the answer.
        contract.check_request(operation, parameters, content_type, json.loads(json.dumps(body)))
        contract.check_response(operation, status, content_type, answer)

    return {"openapi-core": with_openapi_core, "compiled": compiled}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=5, help="jobs in an activation's answer")
    args = parser.parse_args()
    path = rest_api_path()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, command in commands(args.jobs).items():
        variants = checkers(path, command)
        for check in variants.values():  # warm: validators built, caches filled
            check()
        cpu: dict[str, list[float]] = {label: [] for label in variants}
        for _, label in rotated(variants, args.rounds):
            start = time.process_time()
            for _ in range(args.calls):
                variants[label]()
            cpu[label].append((time.process_time() - start) * 1000 / args.calls)
        medians = {label: statistics.median(ms) for label, ms in cpu.items()}
        figures = ", ".join(f"{label} {ms:.3f} ms" for label, ms in medians.items())
        ratio = medians["openapi-core"] / medians["compiled"]
        print(f"{name}: CPU per command (request + response): {figures} ({ratio:.0f}x less)")


if __name__ == "__main__":
    main()
