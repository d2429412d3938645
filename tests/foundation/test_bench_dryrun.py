"""bench/bench_dryrun.py's completion-to-page half measures a real run page showing `done`."""

import pytest

from bench.bench_dryrun import completion_to_page, new_page_run, sign_in
from connectors.catalogue.registry_sync import sync_registry
from connectors.models import TemplateVersion
from tests.conftest import PASSWORD


@pytest.mark.browser
@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_benchmark_sees_its_run_page_show_done_under_the_sites_csp(
    browser, live_server, user, celery_worker
):
    sync_registry()
    version = TemplateVersion.objects.get(entry__template_id="io.connectorhub.noop")
    # As the benchmark drives Chromium: the Content-Security-Policy applies (no bypass).
    page = browser.new_page()
    sign_in(page, live_server.url, user.username, PASSWORD)

    latency = completion_to_page(page, live_server.url, new_page_run(version, user))

    # The page showed `done` after the worker finished the run.
    assert latency > 0
    page.close()
