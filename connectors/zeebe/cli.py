"""Standalone: one connector, no Django (`python -m connectors.zeebe --job-type TYPE`).

Secrets come from the environment. `standalone_arguments` and `parse_fetch_variables` are
shared with `manage.py zeebe_worker`.
"""

import argparse
import logging
import os
from collections.abc import Iterable, Sequence

from connectors.secrets import EnvironmentSecretProvider
from connectors.zeebe.gateway import GatewayConfig
from connectors.zeebe.worker import LiveWorker, WorkerConfig, run_until_signalled


def parse_fetch_variables(entries: Iterable[str]) -> dict[str, list[str]]:
    """`TYPE=a,b` entries (`TYPE=*` for every variable) -> {TYPE: [a, b]}."""
    result: dict[str, list[str]] = {}
    for entry in entries:
        job_type, sep, names = entry.partition("=")
        if not sep or not job_type.strip():
            raise ValueError(f"fetch variables {entry!r}: expected TYPE=var1,var2 or TYPE=*")
        listed = [n.strip() for n in names.split(",") if n.strip()]
        result[job_type.strip()] = [] if listed == ["*"] else listed
        if not listed:
            raise ValueError(f"fetch variables {entry!r}: no variable names after '='")
    return result


def standalone_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `python -m connectors.zeebe` and `manage.py zeebe_worker` share."""
    add = parser.add_argument
    add(
        "--job-type",
        action="append",
        dest="job_types",
        metavar="TYPE",
        help="serve this job type (repeatable; default: every registered connector)",
    )
    add("--address", help="gRPC gateway host:port (ZEEBE_ADDRESS or CAMUNDA_GRPC_ADDRESS)")
    add(
        "--rest-address",
        metavar="URL",
        help="REST gateway, e.g. http://localhost:8080 (CAMUNDA_REST_ADDRESS; Camunda 8.8+)",
    )
    add("--tls", action="store_true", default=None, help="TLS without OAuth (ZEEBE_TLS)")
    add("--plaintext", action="store_false", dest="tls", help="no TLS")
    add("--name", help="worker name shown in Zeebe and on the status page")
    add("--max-jobs-active", type=int, help="jobs of one type running at once")
    add("--job-timeout", type=float, metavar="SECONDS", help="job timeout on activation")
    add(
        "--poll-interval",
        type=float,
        metavar="SECONDS",
        help="pause before polling again when at --max-jobs-active",
    )
    add(
        "--fetch-variables",
        action="append",
        metavar="TYPE=a,b",
        help="variables fetched for TYPE (TYPE=* for all; repeatable)",
    )
    add("--stream", action="store_true", default=None, help="job streaming (Zeebe 8.4+)")
    add("--grace-period", type=float, metavar="SECONDS",
        help="how long a stop waits for running jobs")  # fmt: skip


def _env_gateway(
    address: str | None, tls: bool | None, rest_address: str | None = None
) -> GatewayConfig:
    """The gateway of the environment; an option given wins, with the transport it names."""
    env = os.environ
    rest = rest_address or ("" if address else env.get("CAMUNDA_REST_ADDRESS", ""))
    grpc_env = (env.get("CAMUNDA_GRPC_ADDRESS") or "").split("://", 1)[-1]
    grpc_address = address or ("" if rest_address else grpc_env or env.get("ZEEBE_ADDRESS", ""))
    if not grpc_address and not rest:
        grpc_address = "127.0.0.1:26500"
    return GatewayConfig(
        address=grpc_address,
        rest_address=rest,
        prefer_rest=env.get("CAMUNDA_PREFER_REST", "").lower() in ("1", "true", "yes"),
        username=env.get("CAMUNDA_BASIC_AUTH_USERNAME", ""),
        password=env.get("CAMUNDA_BASIC_AUTH_PASSWORD", ""),
        tls=tls if tls is not None else env.get("ZEEBE_TLS", "").lower() in ("1", "true", "yes"),
        ca_certificate=env.get("ZEEBE_CA_CERTIFICATE_PATH", ""),
        client_id=env.get("ZEEBE_CLIENT_ID", ""),
        client_secret=env.get("ZEEBE_CLIENT_SECRET", ""),
        authorization_server=env.get("ZEEBE_AUTHORIZATION_SERVER_URL", ""),
        audience=env.get("ZEEBE_TOKEN_AUDIENCE", ""),
        scope=env.get("ZEEBE_TOKEN_SCOPE", ""),
        cluster_id=env.get("CAMUNDA_CLUSTER_ID", ""),
        region=env.get("CAMUNDA_CLUSTER_REGION", ""),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m connectors.zeebe --job-type io.camunda:http-json:1`: one connector alone.

    No database: secrets come from the environment (`SECRET_<NAME>`, prefix from
    CONNECTORHUB_SECRETS_ENV_PREFIX), no egress policy, no status page (the log only).
    """
    parser = argparse.ArgumentParser(prog="python -m connectors.zeebe", description=main.__doc__)
    standalone_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    gateway = _env_gateway(args.address, args.tls, args.rest_address)
    try:
        config = WorkerConfig(
            **{
                key: value
                for key, value in {
                    "name": args.name,
                    "job_types": tuple(args.job_types) if args.job_types else None,
                    "max_jobs_active": args.max_jobs_active,
                    "job_timeout_ms": None
                    if args.job_timeout is None
                    else int(args.job_timeout * 1000),
                    "poll_interval": args.poll_interval,
                    "fetch_variables": parse_fetch_variables(args.fetch_variables or []),
                    "stream": args.stream,
                    "grace_period": args.grace_period,
                }.items()
                if value is not None
            }
        )
        prefix = os.environ.get("CONNECTORHUB_SECRETS_ENV_PREFIX", "SECRET_")
        worker = LiveWorker(gateway, config, secrets=EnvironmentSecretProvider(prefix=prefix))
    except ValueError as exc:
        parser.error(str(exc))
    problems = gateway.problems()
    if problems:
        parser.error("; ".join(problems))
    run_until_signalled(worker)
    return 0
