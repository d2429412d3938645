"""Someone else's secret cannot be read through what a dry-run reports (issue 14, item 1).

A user may use another user's secret when its owner listed allowed hosts. Nothing the hub
computes from the value on the way may reach that user: no FEEL runs over it, a binding error
names the field and never the value, and a message produced from the input after the secret
was filled in (a host refusal, a malformed URL) is withheld. Runs go through `run_start` +
`run_execute` with the hub's real secrets and the official templates, as in test_secret_policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.db.models import F

from connectors.elementtemplates import ElementTemplate, active_properties, field_key
from connectors.models import TemplateVersion
from connectors.secrets.services import secret_create
from tests.builtin.conftest import GRAPHQL_FILE, GRAPHQL_ID, REST_FILE, REST_ID, values_for
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.runs.test_secret_policy import dry_run, pieces, stored
from tests.services.http_servers import RecordingServer, Reply

pytestmark = pytest.mark.django_db
CANARY = "Taint-Canary-Qv8r-Jm3x"  # upper case: a host name comes back lower-cased
FORMS = (CANARY, CANARY.lower(), CANARY[::-1], CANARY.lower()[::-1])

REVERSE_INTO_A_KEY = (
    '="=context put({}, string join(reverse(split(\\"{{secrets.A}}\\", \\"\\")), \\"\\"), [1])"'
)


@pytest.fixture(autouse=True)
def hub_settings(settings: Any) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    settings.CONNECTORHUB_EGRESS_ALLOW = ["127.0.0.1"]


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as running:
        running.route("/api", Reply(json={"hello": "taint"}))
        yield running


def imported(file_name: str, template_id: str) -> TemplateVersion:
    from connectors.catalogue.importing import import_documents
    from connectors.models import ImportSource

    document = (file_name, (CORPUS_DIR / file_name).read_bytes())
    assert not import_documents([document], source=ImportSource.COMMAND).failed
    # the newest numbered version: NULL (an unversioned template) sorts first in a descending
    # order on PostgreSQL, last on SQLite
    newest = F("version").desc(nulls_last=True)
    return TemplateVersion.objects.filter(entry__template_id=template_id).order_by(newest)[0]


def form_values(version: TemplateVersion, by_binding: dict[str, Any]) -> dict[str, Any]:
    template = ElementTemplate.from_dict(version.content)
    values = values_for(template, by_binding)
    shown = {field_key(p) for p in active_properties(template, values)}
    return {key: value for key, value in values.items() if key in shown}


def shared_secret(owner: Any, hosts: list[str]) -> None:
    secret_create(name="A", value=CANARY, allowed_hosts=hosts, user=owner)


def assert_nothing_revealed(run: Any) -> None:
    text = stored(run)
    for form in FORMS:
        assert not any(piece in text for piece in pieces(form)), f"{form!r} shows: {text}"


# --- (a) FEEL over a resolved secret --------------------------------------------------------


@pytest.mark.parametrize("binding", ["headers", "queryParameters"])
def test_a_feel_string_cannot_compute_on_someone_elses_secret(
    binding: str, user: Any, other_user: Any, server: RecordingServer
) -> None:
    shared_secret(user, ["127.0.0.1"])
    rest = imported(REST_FILE, REST_ID)
    values = form_values(
        rest, {"method": "GET", "url": f"{server.url}/api", binding: REVERSE_INTO_A_KEY}
    )
    run = dry_run(rest, values, other_user)
    assert_nothing_revealed(run)
    assert run.outcome == "failed"
    assert binding in run.error_message
    assert "FEEL" in run.error_message and "'A'" in run.error_message
    assert server.requests == []


def test_graphql_headers_are_held_to_the_same_rule(
    user: Any, other_user: Any, server: RecordingServer
) -> None:
    shared_secret(user, ["127.0.0.1"])
    graphql = imported(GRAPHQL_FILE, GRAPHQL_ID)
    values = form_values(
        graphql,
        {
            "graphql.method": "post",
            "graphql.url": f"{server.url}/graphql",
            "graphql.query": "{ ok }",
            "graphql.headers": REVERSE_INTO_A_KEY,
        },
    )
    run = dry_run(graphql, values, other_user)
    assert_nothing_revealed(run)
    assert run.outcome == "failed" and "graphql.headers" in run.error_message
    assert server.requests == []


def test_the_owner_keeps_camundas_reading_of_feel_strings(
    user: Any, server: RecordingServer
) -> None:
    """Only a borrowed secret is held back: the owner's run evaluates the string as Camunda
    does, and the binding error still names the field, not the value."""
    shared_secret(user, ["127.0.0.1"])
    rest = imported(REST_FILE, REST_ID)
    values = form_values(
        rest, {"method": "GET", "url": f"{server.url}/api", "headers": REVERSE_INTO_A_KEY}
    )
    run = dry_run(rest, values, user)
    assert run.outcome == "failed"
    assert "headers" in run.error_message and "must be text" in run.error_message
    assert_nothing_revealed(run)


# --- (b) messages computed from the input after the secret was filled in --------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://{{secrets.A}}.example/x",
        "http://x{{secrets.A}}y.example/x",
        "http://{{secrets.A}}/x",
        "{{secrets.A}}",
        "http://127.0.0.1:1/{{secrets.A}}",
    ],
)
def test_a_refusal_never_names_a_host_computed_from_someone_elses_secret(
    url: str, user: Any, other_user: Any, server: RecordingServer
) -> None:
    shared_secret(user, ["api.example.com"])
    rest = imported(REST_FILE, REST_ID)
    run = dry_run(rest, form_values(rest, {"method": "GET", "url": url}), other_user)
    assert run.outcome == "failed"
    assert_nothing_revealed(run)
    assert "'A'" in run.error_message


def test_a_host_the_user_typed_is_still_named(
    user: Any, other_user: Any, server: RecordingServer
) -> None:
    shared_secret(user, ["api.example.com"])
    rest = imported(REST_FILE, REST_ID)
    values = form_values(
        rest,
        {
            "method": "GET",
            "url": f"{server.url}/api",
            "authentication.type": "bearer",
            "authentication.token": "{{secrets.A}}",
        },
    )
    run = dry_run(rest, values, other_user)
    assert run.outcome == "failed"
    assert "Secret 'A' may not be sent to 127.0.0.1" in run.error_message
    assert server.requests == []


def test_nothing_the_connector_recorded_before_an_answer_names_the_value(
    user: Any, other_user: Any, server: RecordingServer
) -> None:
    """The secret may go to any subdomain, so the host rule lets the request through; the
    name then cannot be resolved (or is refused by the egress policy), and both the error and
    the exchange the connector recorded were made from the value."""
    shared_secret(user, ["*.invalid"])
    rest = imported(REST_FILE, REST_ID)
    values = form_values(rest, {"method": "GET", "url": "http://{{secrets.A}}.invalid/x"})
    run = dry_run(rest, values, other_user)
    assert run.outcome == "failed"
    assert_nothing_revealed(run)
