"""SQL connector throughput: query round trips per second through the runtime core (`run_job`
with the official JDBC template's job: binding, the network door with the egress policy, the
exchange, the result) against bare psycopg doing the same parametrised SELECT, both against
the same private PostgreSQL server (tests/services/sql_servers.py). Target: ratio >= 0.8.

The connector opens a connection per job, as Camunda's does, so the bare variant that does
the same work also connects per query; bare psycopg on one kept connection shows what a
connection costs.

Run: .venv/bin/python bench/bench_sql.py [calls per batch, default 50] [rounds, default 10]
(needs PostgreSQL from Debian's packages; as root, the server runs as `postgres`).

Method as bench_rest.py: rounds of one batch per variant, the order rotated; the best batch
and the median per-round ratio to the bare variant that connects per query.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from rounds import print_ratios, rates  # noqa: E402 - bench/'s shared method

from connectors.elementtemplates import build_job, read_templates  # noqa: E402
from connectors.network.policy import EgressPolicy  # noqa: E402
from connectors.runtime import JobRequest, run_job  # noqa: E402
from connectors.secrets.providers import MappingSecretProvider  # noqa: E402
from tests.elementtemplates.corpus import CORPUS_DIR  # noqa: E402
from tests.services.sql_servers import SqlServer, postgresql  # noqa: E402

QUERY = "select id, name from (values (1, 'Ada'), (2, 'Bob')) as t(id, name) where id = :id"
BARE_QUERY = QUERY.replace(":id", "%s")


def sql_job(server: SqlServer) -> JobRequest:
    templates = read_templates((CORPUS_DIR / "jdbc-outbound-connector.json").read_bytes())
    latest = max(templates, key=lambda t: t.version or 0)
    job = build_job(
        latest,
        {
            "database": "POSTGRESQL",
            "connection.authType": "detailed",
            "connection.host": "127.0.0.1",
            "connection.port": str(server.port),
            "connection.username": server.user,
            "connection.password": "{{secrets.DB_PW}}",
            "connection.databaseName": server.database,
            "data.query": QUERY,
            "data.variables": "={id: 2}",
            "data.returnResults": True,
            "resultVariable": "sql",
        },
    )
    assert not job.errors, job.errors
    return JobRequest(type=job.type or "", variables=job.variables, headers=job.headers)


def measure(server: SqlServer, calls: int, rounds: int) -> None:
    job = sql_job(server)
    secrets = MappingSecretProvider({"DB_PW": server.password})
    policy = EgressPolicy.from_allowlist(["127.0.0.1"])
    dsn = dict(
        host="127.0.0.1",
        port=server.port,
        user=server.user,
        password=server.password,
        dbname=server.database,
    )
    kept = psycopg.connect(autocommit=True, **dsn)  # type: ignore[arg-type]

    def bare() -> object:
        with psycopg.connect(autocommit=True, **dsn) as conn:  # type: ignore[arg-type]
            return conn.execute(BARE_QUERY, [2]).fetchall()

    def bare_kept() -> object:
        return kept.execute(BARE_QUERY, [2]).fetchall()

    def runtime() -> object:
        outcome = run_job(job, secrets=secrets, time_limit=30.0, address_policy=policy)
        assert outcome.kind == "completed", outcome
        return outcome

    base = "bare psycopg, connect per query"
    variants = {
        base: bare,
        "runtime, dry-run setup (egress policy, 30 s limit)": runtime,
        "bare psycopg, one kept connection (for scale)": bare_kept,
    }
    for warm in variants.values():
        for _ in range(10):
            warm()
    measured = rates(variants, calls, rounds)
    print(f"{calls} calls per batch, {rounds} rounds")
    print_ratios(measured, base)
    kept.close()


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    with postgresql() as server:
        measure(server, calls, rounds)


if __name__ == "__main__":
    main()
