"""The Zeebe adapter (connectors.zeebe.jobs): the names the rest of the hub imports."""

from connectors.zeebe.jobs import (
    DEFAULT_JOB_TIMEOUT_MS,
    FETCH_ALL,
    DatabaseStatusSink,
    GatewayConfig,
    JobRecord,
    LastError,
    LiveWorker,
    WorkerConfig,
    connector_router,
    parse_fetch_variables,
    run_until_signalled,
    standalone_arguments,
)

__all__ = [
    "DEFAULT_JOB_TIMEOUT_MS",
    "FETCH_ALL",
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
