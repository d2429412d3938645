"""End to end through the product: Camunda's current email template imported from the pinned
corpus, the password as a hub secret, a dry-run through the real Celery worker against
GreenMail, and what the run stores and shows (never the password)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from connectors.catalogue.importing import import_documents
from connectors.models import ImportSource, Run, SecretAuditEvent, TemplateVersion
from connectors.secrets.services import secret_create
from tests.builtin.test_dry_run import dry_run, egress_worker  # noqa: F401
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.email.conftest import EMAIL_FILE, EMAIL_ID, SECRET, received, smtp_values

# one GreenMail per test session: its tests share a worker (docs/testing.md)
pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("greenmail"),
]


@pytest.fixture
def email_version(db: None) -> Any:
    """The newest version of Camunda's email template, imported as a user would."""
    report = import_documents(
        [(EMAIL_FILE, (CORPUS_DIR / EMAIL_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    versions = TemplateVersion.objects.filter(entry__template_id=EMAIL_ID)
    return max(versions, key=lambda v: v.version)


def stored(run: Run) -> str:
    return json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)


def test_a_dry_run_sends_with_the_password_as_a_hub_secret(
    egress_worker: Any,  # noqa: F811
    email_version: Any,
    mail_server: Any,
    user: Any,
    client: Client,
) -> None:
    secret_create(name=SECRET, value=mail_server.password, allowed_hosts=["127.0.0.1"], user=user)
    run = dry_run(email_version, smtp_values(mail_server), user)

    assert run.outcome == "completed", run.error_message
    result = run.outcome_record.variables["result"]
    assert result["sent"] is True and result["subject"] == "Order 42"
    assert received(mail_server, "bob@example.org", result["messageId"])["Subject"] == "Order 42"
    assert mail_server.password not in stored(run)
    use = SecretAuditEvent.objects.get(action="use", run_id=str(run.pk))
    assert use.source == SecretAuditEvent.Source.DRY_RUN

    client.force_login(user)
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert f"SMTP 127.0.0.1:{mail_server.smtp} · SMTP send to 1 recipient, 250" in page
    assert mail_server.password not in page


def test_a_wrong_password_fails_with_camundas_error_and_hides_the_secret(
    egress_worker: Any,  # noqa: F811
    email_version: Any,
    mail_server: Any,
    user: Any,
) -> None:
    wrong = "Wrong-Mail-Pass-1"
    secret_create(name=SECRET, value=wrong, allowed_hosts=["127.0.0.1"], user=user)
    run = dry_run(email_version, smtp_values(mail_server), user)

    assert run.outcome == "failed"
    assert run.error_message.startswith("jakarta.mail.AuthenticationFailedException: 535")
    assert run.outcome_record.trace.error["type"] == "java.lang.RuntimeException"
    assert wrong not in stored(run)
