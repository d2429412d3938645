"""Benchmark: the "Configure & test" form on the largest corpus template (issue 6).

Run: .venv/bin/python bench/bench_forms.py  (needs tests/js/node_modules, `npm ci` in tests/js)

Prints milliseconds (median of many runs) for
- the first render: build_form (checks + job) and the page's fields, status and preview HTML;
- a re-evaluation after one change: reading the POST, build_form, the htmx fragment;
- both again as whole requests through Django (test client, in-memory SQLite, signed in).
Targets: render under 50 ms, re-evaluation under 30 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")
# A private in-memory database: the benchmark never touches the developer's data.
os.environ["DATABASE_URL"] = "sqlite://:memory:"

import django  # noqa: E402

django.setup()

from django.template.loader import render_to_string  # noqa: E402

from connectors.configure import build_form, values_from_post  # noqa: E402
from connectors.elementtemplates import ElementTemplate, active_properties, field_key  # noqa: E402
from tests.configure.browserform import submitted  # noqa: E402
from tests.elementtemplates.corpus import corpus_templates  # noqa: E402

RUNS = 40
PAGE = "connectors/configure/page.html"


def median_ms(work: Callable[[], Any], runs: int = RUNS) -> float:
    work()  # warm caches (templates, FEEL parses) outside the measurement
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def one_change(template: ElementTemplate) -> tuple[str, Any]:
    """The first Dropdown shown by default, set to another choice (it drives conditions)."""
    for prop in active_properties(template):
        if prop.type == "Dropdown" and prop.choices and len(prop.choices) > 1:
            current = prop.value
            other = next(c.value for c in prop.choices if c.value != current)
            return field_key(prop), other
    raise LookupError("no Dropdown to change")


def main() -> None:
    models = [ElementTemplate.from_dict(t) for t in corpus_templates()]
    largest = max(models, key=lambda m: len(m.properties))
    widest = max(models, key=lambda m: len(active_properties(m)))
    measure(largest)
    if widest is not largest:
        measure(widest)
    measure_requests(largest)


def measure(template: ElementTemplate) -> None:
    context = {"secret_names": ["API_TOKEN"], "can_run": True}

    def first_render() -> str:
        form = build_form(template, {})
        return render_to_string(PAGE + "#live", {**context, "form": form})

    html = first_render()
    fields_html = render_to_string(PAGE + "#fields", {**context, "form": build_form(template, {})})
    data = submitted(fields_html)
    key, value = one_change(template)
    data.setlist("v:" + key, [value])

    def re_evaluate() -> str:
        values = values_from_post(template, data)
        form = build_form(template, values)
        return render_to_string(PAGE + "#live", {**context, "form": form})

    after = build_form(template, values_from_post(template, data))
    print(
        f"{template.id} v{template.version}: {len(template.properties)} properties, "
        f"{len(build_form(template, {}).fields)} fields shown ({len(html) // 1024} kB), "
        f"{len(after.fields)} after {key} = {value!r}"
    )
    print(f"  first render (build_form + HTML)  {median_ms(first_render):6.1f} ms  (target < 50)")
    print(f"  re-evaluate after one change      {median_ms(re_evaluate):6.1f} ms  (target < 30)")


def measure_requests(template: ElementTemplate) -> None:
    """The same through Django: URL routing, session, ORM, middleware, full page."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from connectors.catalogue.importing import import_documents
    from connectors.models import ImportSource

    with connection.schema_editor() as editor:
        for model in apps.get_models():
            if model._meta.managed and not model._meta.proxy:
                editor.create_model(model)
    document = next(p for p in (ROOT / "tests/js/node_modules").rglob("github-connector.json"))
    import_documents([(document.name, document.read_bytes())], source=ImportSource.COMMAND)
    user = get_user_model().objects.create_user("bench", password="a-long-bench-password")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = reverse("configure", args=[template.id, template.version])
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = submitted(page.content.decode())
    key, value = one_change(template)
    data.setlist("v:" + key, [value])
    body = data.urlencode()
    kind = "application/x-www-form-urlencoded"

    def get_page() -> Any:
        return client.get(url)

    def post_change() -> Any:
        return client.post(url, body, content_type=kind, HTTP_HX_REQUEST="true")

    assert post_change().status_code == 200
    print(f"whole requests, {template.id} v{template.version}:")
    print(f"  GET the configure page            {median_ms(get_page, 20):6.1f} ms")
    print(f"  htmx POST after one change        {median_ms(post_change, 20):6.1f} ms")


if __name__ == "__main__":
    main()
