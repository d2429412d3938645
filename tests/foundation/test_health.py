"""/healthz and the status page report each component the hub depends on."""

import time

import pytest
from django.conf import settings
from django.core.cache import cache

from connectorhub.localredis import LocalRedis, free_port
from connectors.status.health import probe_calls


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_healthz_reports_database_redis_and_worker_up(signed_in_client, celery_worker):
    response = signed_in_client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    components = body["components"]
    assert components["database"]["ok"] is True
    assert components["redis"]["ok"] is True
    assert components["worker"]["ok"] is True
    assert "test-" in components["worker"]["detail"]
    assert components["zeebe"] == {
        "ok": True,
        "detail": "not configured (neither CAMUNDA_REST_ADDRESS nor CAMUNDA_GRPC_ADDRESS "
        "(ZEEBE_ADDRESS) is set)",
    }


@pytest.mark.django_db
def test_healthz_says_which_component_is_down_without_sign_in(client, redis_url):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = dead
    try:
        response = client.get("/healthz")
    finally:
        settings.REDIS_URL = redis_url

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"] == "error"
    assert body["checks"]["worker"] == "error"


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_anonymous_healthz_gives_states_only_no_addresses_or_host_names(
    client, celery_worker, settings
):
    settings.ZEEBE_ADDRESS = f"zeebe.internal:{free_port()}"

    response = client.get("/healthz")

    body = response.json()
    assert body == {
        "status": "degraded",
        "checks": {
            "database": "ok",
            "redis": "ok",
            "worker": "ok",
            "zeebe": "error",
            "live worker": "error",
        },
    }
    text = response.content.decode()
    for hidden in ("redis://", "127.0.0.1", "zeebe.internal", "test-", "sqlite"):
        assert hidden not in text


@pytest.mark.django_db
def test_healthz_hides_credentials_of_the_redis_url_from_signed_in_users(
    signed_in_client, redis_url, settings
):
    port = free_port()
    settings.REDIS_URL = f"redis://hubuser:pa55word@127.0.0.1:{port}/0?password=qs-secret&db=0"

    body = signed_in_client.get("/healthz").json()

    detail = body["components"]["redis"]["detail"]
    assert f"127.0.0.1:{port}/0" in detail
    assert "db=0" in detail
    for secret in ("hubuser", "pa55word", "qs-secret"):
        assert secret not in detail


@pytest.mark.django_db
def test_healthz_reports_unreachable_zeebe_gateway(signed_in_client, redis_url, settings):
    settings.ZEEBE_ADDRESS = f"127.0.0.1:{free_port()}"

    body = signed_in_client.get("/healthz").json()

    assert body["components"]["zeebe"]["ok"] is False
    assert settings.ZEEBE_ADDRESS in body["components"]["zeebe"]["detail"]


@pytest.mark.django_db
def test_status_page_shows_components_to_signed_in_users(signed_in_client, redis_url):
    response = signed_in_client.get("/status/")

    assert response.status_code == 200
    html = response.content.decode()
    for name in ("Database", "Redis", "Worker", "Zeebe"):
        assert name in html


@pytest.mark.django_db
def test_status_fragment_for_htmx_is_only_the_footer(signed_in_client, redis_url):
    response = signed_in_client.get("/status/", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert 'class="dot' in html


@pytest.fixture(autouse=True)
def _fresh_probes():
    """Each test asks the components itself instead of reading an earlier test's cached probe."""
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_status_shows_zeebe_and_the_live_worker_as_not_configured_without_an_engine(
    signed_in_client, redis_url, settings
):
    settings.ZEEBE_ADDRESS, settings.CAMUNDA_REST_ADDRESS = "", ""

    page = signed_in_client.get("/status/").content.decode()
    footer = signed_in_client.get("/status/", HTTP_HX_REQUEST="true").content.decode()

    rows = {
        row.split("</td>")[0].strip(): row for row in page.split("<tr><td>")[1:] if "</td>" in row
    }
    for name in ("Zeebe", "Live worker"):
        assert '<span class="badge off">not configured</span>' in rows[name], rows[name]
        assert ">up<" not in rows[name]
    assert footer.count('class="dot off"') == 2
    assert footer.count("not configured</span>") == 2
    # Not configured is not a fault: /healthz counts both as healthy, as before.
    checks = signed_in_client.get("/healthz").json()["checks"]
    assert (checks["zeebe"], checks["live worker"]) == ("ok", "ok")


@pytest.mark.django_db
def test_healthz_reuses_the_network_probes_briefly_and_then_sees_a_failure(client, settings):
    settings.HEALTH_PROBE_CACHE_SECONDS = 3  # each call waits ~1 s for the worker ping
    with LocalRedis() as server:
        settings.REDIS_URL = server.url
        before = probe_calls["redis"]

        assert client.get("/healthz").json()["checks"]["redis"] == "ok"
        assert client.get("/healthz").json()["checks"]["redis"] == "ok"
        assert client.get("/status/", HTTP_HX_REQUEST="true").status_code == 302  # not signed in
        assert probe_calls["redis"] == before + 1  # the second call did not ask Redis again

        server.stop()
        cached = client.get("/healthz")  # within the cache period: the answer from before
        assert cached.json()["checks"]["redis"] == "ok"
        assert probe_calls["redis"] == before + 1

        time.sleep(3.2)
        fresh = client.get("/healthz")

    assert fresh.status_code == 503
    assert fresh.json()["checks"]["redis"] == "error"
    assert probe_calls["redis"] == before + 2


@pytest.mark.django_db
def test_status_page_says_how_long_probe_answers_are_reused(signed_in_client, redis_url):
    html = signed_in_client.get("/status/").content.decode()

    assert "asked at most once every 5 seconds" in html
