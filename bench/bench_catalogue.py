"""Benchmark: the catalogue with the whole official corpus loaded (issue 3).

Run: .venv/bin/python bench/bench_catalogue.py  (needs tests/js/node_modules: `npm ci` in tests/js)

Prints
- the time to import all 693 template versions of @camunda/connectors-element-templates@1.0.29
  into an empty database file (target: under 10 s), and to re-import them unchanged;
- server time per request (p50, p95) for the catalogue page, a search, a filtered htmx search,
  a detail page and the API list (target: p50 under 50 ms);
- SQL queries per request, with the corpus and with only a few entries (constant, not per card).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")
DATA = tempfile.mkdtemp(prefix="bench-catalogue-")
# A database file of its own, as in production: the benchmark never touches the developer's data.
os.environ["CONNECTORHUB_DATA_DIR"] = DATA
os.environ["DATABASE_URL"] = f"sqlite:///{DATA}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from connectors.catalogue.importing import import_documents  # noqa: E402
from connectors.models import CatalogueEntry, ImportSource  # noqa: E402
from tests.elementtemplates.corpus import corpus_files  # noqa: E402

RUNS = 40
REQUESTS = {
    "catalogue page": ("/", {}, {}),
    "search 'rest'": ("/", {"q": "rest"}, {}),
    "htmx search + filter": (
        "/",
        {"q": "connector", "category": "Connectors", "applies_to": "bpmn:Task"},
        {"HTTP_HX_REQUEST": "true"},
    ),
    "detail (REST)": ("/connectors/io.camunda.connectors.HttpJson.v2/", {}, {}),
    "API list": ("/api/v1/templates/", {"q": "aws"}, {}),
}


def import_corpus() -> None:
    documents = [(p.name, p.read_bytes()) for p in corpus_files()]
    for label in ("import", "re-import (unchanged)"):
        started = time.perf_counter()
        report = import_documents(documents, source=ImportSource.COMMAND)
        elapsed = time.perf_counter() - started
        print(f"{label:24} {elapsed:6.2f} s   {report.summary()}")


def time_requests(client: Client) -> None:
    print(f"\n{'request':24} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for label, (path, params, headers) in REQUESTS.items():
        samples = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get(path, params, **headers)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (label, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(path, params, **headers)
        p95 = statistics.quantiles(samples, n=20)[18]
        print(f"{label:24} {statistics.median(samples):8.1f} {p95:8.1f} {len(queries):8}")


def queries_with_few_entries(client: Client) -> None:
    keep = list(CatalogueEntry.objects.order_by("name").values_list("pk", flat=True)[:3])
    CatalogueEntry.objects.exclude(pk__in=keep).delete()
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    print(f"\nqueries for the catalogue page with 3 entries: {len(queries)}")


def main() -> None:
    call_command("migrate", verbosity=0)
    import_corpus()
    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    reset_queries()
    time_requests(client)
    queries_with_few_entries(client)


if __name__ == "__main__":
    main()
