"""The Zeebe adapter: live jobs through the same runtime core as dry-runs.

Three ways to use it (docs/zeebe-worker.md):

- `connector_router()`: a pyzeebe `ZeebeTaskRouter` with every registered connector, for a
  team's own pyzeebe application: `worker.include_router(connector_router())`;
- `LiveWorker`: the supervised worker behind `manage.py zeebe_worker` (reconnects with backoff,
  graceful stop, heartbeat and counters for the status page);
- `python -m connectors.zeebe --job-type TYPE`: one connector alone, without Django (secrets
  from the environment).

One module per concern: `jobs` (one job in, one Zeebe command out, for either transport),
`routing` (the connectors as pyzeebe tasks), `status` (counters and status sinks), `gateway`
(how the gateway is reached), `rest` and `rest_worker` (the Camunda 8.8+ REST API `/v2`),
`transport` (a gRPC or REST connection), `client` (messages, process instances, deployments
and search over REST, for inbound connectors), `worker` (the supervised worker) and `cli` (the
standalone command line). Here: the names the
rest of the hub imports from `connectors.zeebe`.

This package needs no Django; the database parts (the status sink, the secrets chain) are
imported lazily by the code that uses them.
"""

from connectors.zeebe.cli import parse_fetch_variables, standalone_arguments
from connectors.zeebe.client import CamundaClient
from connectors.zeebe.gateway import GatewayConfig
from connectors.zeebe.jobs import JobRecord
from connectors.zeebe.routing import DEFAULT_JOB_TIMEOUT_MS, FETCH_ALL, connector_router
from connectors.zeebe.status import DatabaseStatusSink, LastError
from connectors.zeebe.worker import LiveWorker, WorkerConfig, run_until_signalled

__all__ = [
    "DEFAULT_JOB_TIMEOUT_MS",
    "FETCH_ALL",
    "CamundaClient",
    "DatabaseStatusSink",
    "GatewayConfig",
    "JobRecord",
    "LastError",
    "LiveWorker",
    "WorkerConfig",
    "connector_router",
    "parse_fetch_variables",
    "run_until_signalled",
    "standalone_arguments",
]
