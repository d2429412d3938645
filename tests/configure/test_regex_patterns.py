"""A template's `pattern` constraints on the configure page: an imported template with a pattern
that makes a backtracking engine run for minutes must not freeze the page, or the server."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.urls import reverse

from connectors.catalogue.importing import import_documents
from connectors.models import ImportSource

TEMPLATE_ID = "com.example:slow-pattern"
# Python's re took 27 s for this pattern on this default (2**29 ways to split the a's).
CATASTROPHIC = "^(a+)+$"
SLOW_DEFAULT = "a" * 29 + "!"
# Lookbehind keeps this one on the backtracking engine, which stops it after a time limit.
BACKTRACKING = "^(a|aa)+$(?<=a)"


def import_slow_template() -> str:
    """Import the template through the catalogue; the URL of its configure page."""
    template = {
        "$schema": "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json",
        "id": TEMPLATE_ID, "name": "Slow pattern", "version": 1,
        "appliesTo": ["bpmn:Task"], "elementType": {"value": "bpmn:ServiceTask"},
        "properties": [
            {"type": "Hidden", "value": "slow", "binding": {"type": "zeebe:taskDefinition",
                                                             "property": "type"}},
            {"id": "code", "label": "Code", "type": "String", "value": SLOW_DEFAULT,
             "binding": {"type": "zeebe:input", "name": "code"},
             "constraints": {"pattern": {"value": CATASTROPHIC, "message": "only a's"}}},
            {"id": "other", "label": "Other", "type": "String", "value": "a" * 40 + "!",
             "binding": {"type": "zeebe:input", "name": "other"},
             "constraints": {"pattern": {"value": BACKTRACKING, "message": "a's again"}}},
        ],
    }  # fmt: skip
    report = import_documents(
        [("slow.json", json.dumps(template).encode())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    return reverse("configure", args=[TEMPLATE_ID, 1])


@pytest.mark.django_db
def test_configure_page_with_a_catastrophic_pattern_renders_and_validates(
    signed_in_client: Any,
) -> None:
    # Verdicts on both fields: the catastrophic pattern was decided (linear time), the
    # backtracking one was stopped at its time budget and said so.
    url = import_slow_template()
    page = signed_in_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Code only a's" in html
    assert "Other could not be checked against the pattern" in html
    posted = signed_in_client.post(
        url, {"v:code": "a" * 29 + "b", "v:other": "aa"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Code only a's" in posted and "could not be checked" not in posted
    fine = signed_in_client.post(url, {"v:code": "aaa", "v:other": "aa"}, HTTP_HX_REQUEST="true")
    assert "Code only a's" not in fine.content.decode()


@pytest.mark.django_db(transaction=True)
def test_other_requests_are_answered_while_a_slow_pattern_is_checked(
    live_server: Any, client: Any, user: Any
) -> None:
    url = import_slow_template()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    cookies = {name: client.cookies[name].value}
    answers: dict[str, int] = {}
    configure_done: list[float] = []

    def configure() -> None:
        answers["configure"] = httpx.get(
            f"{live_server.url}{url}", cookies=cookies, timeout=60
        ).status_code
        configure_done.append(time.monotonic())

    slow = threading.Thread(target=configure)
    slow.start()
    login = httpx.get(f"{live_server.url}/accounts/login/", timeout=60)
    login_done = time.monotonic()
    slow.join(60)
    assert login.status_code == 200
    assert answers == {"configure": 200}
    # answered while the slow pattern was still being checked, not after it
    assert login_done < configure_done[0]
