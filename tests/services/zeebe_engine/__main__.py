"""`python -m tests.services.zeebe_engine`: the test engine in the foreground until Ctrl-C.

Both faces: gRPC, and REST (`/v2`) when Camunda's rest-api.yaml has been fetched
(.ci/fetch-zeebe-protocol), since the REST face checks every request against it.
"""

import contextlib
import signal

from . import ZeebeTestEngine
from .rest import ProtocolMissing, RestFace, rest_api_path

with ZeebeTestEngine() as engine, contextlib.ExitStack() as faces:
    print(f"Zeebe test engine ready\nexport ZEEBE_ADDRESS={engine.address}", flush=True)
    try:
        rest = faces.enter_context(RestFace(engine, rest_api_path()))
        print(f"export CAMUNDA_REST_ADDRESS={rest.address}", flush=True)
    except ProtocolMissing as missing:
        print(f"# no REST face: {missing}", flush=True)
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    signal.sigwait(stop_signals)
