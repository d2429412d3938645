"""moto in server mode (a local AWS emulator: SQS, SNS, EventBridge, ...) on 127.0.0.1, for the
AWS connectors' tests.

`.ci/fetch-moto` installs it in its own virtualenv under .cache/moto/<version>/; `moto_server()`
starts one process on a free port, and `Moto.reset()` clears every service's state between tests
(`POST /moto-api/reset`). Locally a missing install skips the tests; with MOTO_REQUIRED=1 (set by
.ci/run) it fails them instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.services import fetched, ports

BASE_DIR = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = BASE_DIR / ".ci" / "fetch-moto"
VERSION = fetched.pinned_version(FETCH_SCRIPT, "MOTO_VERSION")
HOME = BASE_DIR / ".cache" / "moto" / VERSION
SERVER = HOME / "bin" / "moto_server"
REQUIRED = "MOTO_REQUIRED"
REGION = "eu-central-1"
# moto accepts any key pair unless IAM checks are on (`enforce_iam`); these look like real ones so
# that a test can tell they never reach an output.
ACCESS_KEY = "AKIAMOTOTESTKEY00001"
SECRET_KEY = "moto-Secret-Key-never-shown-0001"


@dataclass(frozen=True)
class Moto:
    endpoint: str
    region: str = REGION
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY

    def _post(self, path: str, body: bytes = b"") -> bytes:
        # text/plain: a form type would have the server parse (and swallow) the body
        request = urllib.request.Request(
            self.endpoint + path, data=body, method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            data: bytes = answer.read()
            return data

    def reset(self) -> None:
        """Forget every queue, topic, bus, user, ... (IAM checks stay as they are)."""
        self._post("/moto-api/reset")

    @contextlib.contextmanager
    def lambda_without_docker(self) -> Iterator[None]:
        """Lambda invocations answer with their event instead of running the handler in Docker
        (which is not available here); back to moto's default afterwards (a reset keeps it)."""
        self._post("/moto-api/config", json.dumps({"lambda": {"use_docker": False}}).encode())
        try:
            yield
        finally:
            self._post("/moto-api/config", json.dumps({"lambda": {"use_docker": True}}).encode())

    def sagemaker_answers(self, *answers: dict[str, str]) -> None:
        """The next SageMaker InvokeEndpoint calls (each new request) answer with ANSWERS in
        order (`Body`, `ContentType`, `InvokedProductionVariant`, `CustomAttributes`); moto's
        canned text otherwise. A reset forgets them."""
        body = {"region": self.region, "results": list(answers)}
        self._post("/moto-api/static/sagemaker/endpoint-results", json.dumps(body).encode())

    @contextlib.contextmanager
    def enforce_iam(self, unchecked_calls: int) -> Iterator[None]:
        """Turn moto's IAM checks on after UNCHECKED_CALLS more requests (which set up the users
        and their policies); off again afterwards."""
        self._post("/moto-api/reset-auth", str(unchecked_calls).encode())
        try:
            yield
        finally:
            self._post("/moto-api/reset-auth", b"inf")


def _answers(endpoint: str) -> bool:
    url = endpoint + "/moto-api/data.json"
    with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as answer:
        json.load(answer)
        return True
    return False


@contextlib.contextmanager
def moto_server() -> Iterator[Moto]:
    if not SERVER.is_file():
        fetched.missing(f"no moto {VERSION}: run .ci/fetch-moto (needs python3-venv)", REQUIRED)
    with ports.on_free_ports("moto", 1, lambda chosen: _started(chosen[0])) as server:
        yield server


@contextlib.contextmanager
def _started(port: int) -> Iterator[Moto]:
    endpoint = f"http://127.0.0.1:{port}"
    # Its own environment: no AWS settings of this machine leak into the emulator.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["MOTO_ALLOW_NONEXISTENT_REGION"] = "false"
    command = [str(SERVER), "-H", "127.0.0.1", "-p", str(port)]
    with fetched.serving("moto", command, port, lambda: _answers(endpoint), 60, env=env):
        yield Moto(endpoint)


@dataclass
class StandIn:
    """A stand-in AWS endpoint on 127.0.0.1 for what moto cannot do. A JSON-protocol request
    whose target (`Textract.GetDocumentAnalysis`) has an answer queued in `answers` gets it
    (a job still running, a failed one, several pages: moto's Textract jobs are done at once,
    in one page); every other request is refused as a throttled service refuses it (moto never
    throttles): S3's `503 SlowDown` in XML, the JSON protocols' error `code`
    (`ThrottlingException`, `ProvisionedThroughputExceededException`). `seen` lists the
    requests, retries included."""

    endpoint: str
    code: str = "ThrottlingException"
    answers: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.code = "ThrottlingException"
        self.answers.clear()
        self.seen.clear()


def _handler(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            target = self.headers.get("X-Amz-Target")
            stand_in.seen.append(target or f"{self.command} {self.path}")
            queued = stand_in.answers.get(target or "")
            if queued:
                status, kind = 200, "application/x-amz-json-1.1"
                body = json.dumps(queued.pop(0)).encode()
            elif target is None:  # S3 (REST-XML)
                status, kind = 503, "application/xml"
                body = (
                    b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate."
                    b"</Message><RequestId>stand-in</RequestId></Error>"
                )
            else:  # the JSON protocols (Textract, DynamoDB, Comprehend, ...)
                status, kind = 400, "application/x-amz-json-1.1"
                body = json.dumps({"__type": stand_in.code, "message": "Rate exceeded"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("x-amzn-RequestId", "stand-in")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _answer

        def log_message(self, *_: object) -> None:  # quiet
            pass

    return Handler


@contextlib.contextmanager
def stand_in_server() -> Iterator[StandIn]:
    """A StandIn for the session; each test clears it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stand_in := StandIn("")))
    stand_in.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()
