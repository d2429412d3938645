"""The acceptance case of the network door, through the real Celery worker: a non-HTTP
connector's connection to loopback is refused in a dry-run by the same policy, with the same
message, as REST's request to the same host; an allow-list entry admits it, and its exchange
shows on the run page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from connectors.models import Run, RunOutcome, RunStatus
from connectors.network import allowlist
from connectors.registry import Registry
from connectors.runs.services import run_start
from connectors.runs.stored import StoredOutcome
from tests.builtin.conftest import REST_ID
from tests.builtin.test_dry_run import dry_run as rest_dry_run
from tests.builtin.test_dry_run import versions  # noqa: F401
from tests.network.conftest import BANNER, BannerServer
from tests.runs.conftest import wait_done

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(db: None, network_registry: Registry) -> dict[str, Any]:
    from connectors.catalogue.registry_sync import sync_registry
    from connectors.models import TemplateVersion

    sync_registry(network_registry)
    return {v.entry.template_id: v for v in TemplateVersion.objects.select_related("entry")}


def tcp_dry_run(version: Any, host: str, port: int, user: Any = None) -> Run:
    run = run_start(version=version, values={"host": host, "port": port}, variables={}, user=user)
    return wait_done(run.pk, timeout=30)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_tcp_connection_to_loopback_is_refused_with_rests_message(
    door_worker: Any,
    catalogue: dict[str, Any],
    versions: dict[str, Any],  # noqa: F811
    banner_server: BannerServer,
    host: str,
) -> None:
    port = banner_server.port
    tcp = tcp_dry_run(catalogue["test.tcp-banner"], host, port)
    rest = rest_dry_run(versions[REST_ID], {"method": "GET", "url": f"http://{host}:{port}/"})

    assert tcp.outcome == RunOutcome.FAILED
    assert "a loopback address (rule 'loopback')" in tcp.error_message
    assert "Staff can allow it on the hub's egress allow-list page" in tcp.error_message
    if host == "localhost":  # a name is refused by the address it resolves to
        assert tcp.error_message.startswith("The egress policy refused localhost resolves to")
    assert tcp.error_message == rest.error_message
    assert tcp.outcome_record.trace.error["type"] == rest.outcome_record.trace.error["type"]
    assert tcp.outcome_record.retries == rest.outcome_record.retries == 0
    assert banner_server.connections == 0


def test_an_allow_list_entry_admits_it_and_the_exchange_shows_on_the_run_page(
    door_worker: Any,
    catalogue: dict[str, Any],
    banner_server: BannerServer,
    user: Any,
    client: Client,
) -> None:
    # the session's worker reads the allow-list for each run (tests/services/celery_worker.py)
    allowlist.entry_add(pattern="127.0.0.1", note="banner under test", user=user)
    try:
        run = tcp_dry_run(catalogue["test.tcp-banner"], "127.0.0.1", banner_server.port, user)
    finally:
        allowlist.entry_remove(entry=allowlist.EgressAllowEntry.objects.get(), user=user)

    assert run.outcome == RunOutcome.COMPLETED, run.error_message
    assert run.outcome_record.response == {"banner": BANNER}
    [exchange] = run.outcome_record.exchanges
    target = f"127.0.0.1:{banner_server.port}"
    assert (exchange["protocol"], exchange["target"], exchange["status"]) == ("tcp", target, "ok")
    assert exchange["response_body"] == BANNER

    client.force_login(user)
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert "<h3>Exchanges</h3>" in page
    assert f"TCP {target} · read the banner → ok" in page
    assert '<span class="http-label">tcp ok</span>' in page  # its bar in the timing waterfall
    assert BANNER in page


def test_exchanges_stored_before_the_door_still_render(
    catalogue: dict[str, Any], user: Any, client: Client
) -> None:
    """Rows written before exchanges had protocol, target and summary: HTTP as before."""
    run = run_start(
        version=catalogue["test.tcp-banner"],
        values={"host": "example.org", "port": 25},
        variables={},
        user=user,
        enqueue=False,
    )
    old = {
        "method": "GET",
        "url": "https://api.example.org/items",
        "request_headers": {"Accept": "application/json"},
        "request_body": None,
        "status": 200,
        "response_headers": {"Content-Type": "application/json"},
        "response_body": '{"id": 7}',
        "duration_ms": 12.5,
        "error": None,
    }
    record = StoredOutcome(kind="completed", exchanges=[old])
    Run.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE, outcome=RunOutcome.COMPLETED, stored_outcome=record.dump()
    )
    client.force_login(user)
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert "GET https://api.example.org/items → 200 · 12.5 ms" in page
    assert "&quot;Content-Type&quot;: &quot;application/json&quot;" in page
