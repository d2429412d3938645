"""Every version of Camunda's official email template, for every protocol and action it offers,
builds a job whose variables our connector binds (the corpus test); SMTP then runs for each
version in test_smtp, IMAP in test_imap, and POP3 is refused with a message that says so."""

from __future__ import annotations

from typing import Any

import pytest
from connectorhub_sdk.binding import bind_input

from connectors.builtin.email.connector import email
from connectors.builtin.email.model import EmailInput
from connectors.catalogue.importing import import_documents
from connectors.catalogue.selectors import CatalogueFilters, search_entries
from connectors.elementtemplates import ElementTemplate, build_job, validate_template
from connectors.models import ImportSource
from tests.builtin.conftest import values_for
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.email.conftest import EMAIL_FILE, EMAIL_ID, email_templates

ACTIONS = [
    ("smtp", "sendEmailSmtp"),
    ("imap", "listEmailsImap"),
    ("imap", "searchEmailsImap"),
    ("imap", "readEmailImap"),
    ("imap", "moveEmailImap"),
    ("imap", "deleteEmailImap"),
    ("pop3", "listEmailsPop3"),
    ("pop3", "searchEmailsPop3"),
    ("pop3", "readEmailPop3"),
    ("pop3", "deleteEmailPop3"),
]
CASES = [(t, p, a) for t in email_templates() for p, a in ACTIONS]


def action_values(protocol: str, action: str) -> dict[str, Any]:
    return {
        "protocol": protocol,
        f"data.{protocol}ActionDiscriminator": action,
        f"data.{protocol}Config.{protocol}Host": "mail.example.com",
        "authentication.type": "simple",
        "authentication.username": "ada",
        "authentication.password": "pw",
        "data.smtpAction.from": "ada@example.com",
        "data.smtpAction.to": "bob@example.org",
        "data.smtpAction.subject": "Hello",
        "data.smtpAction.body": "Hi",
        f"data.{protocol}Action.messageId": "<1@example.com>",
        f"data.{protocol}Action.criteria": '={"operator": "AND", "criteria": []}',
        "data.imapAction.fromFolder": "INBOX",
        "data.imapAction.toFolder": "Archive",
    }


@pytest.mark.parametrize(
    ("tpl", "protocol", "action"), CASES, ids=[f"v{t.version}-{a}" for t, _, a in CASES]
)
def test_every_version_and_action_builds_a_job_the_connector_binds(
    tpl: ElementTemplate, protocol: str, action: str
) -> None:
    job = build_job(tpl, values_for(tpl, action_values(protocol, action)))
    assert not job.errors, job.errors
    assert job.type == email.type
    bound = bind_input(email, job.variables)
    assert isinstance(bound, EmailInput)
    assert bound.protocol == protocol
    if protocol == "smtp":
        assert bound.data.smtpConfig is not None and bound.data.smtpAction is not None
        assert bound.data.smtpConfig.smtpHost == "mail.example.com"
        assert bound.data.smtpAction.to == "bob@example.org"
        assert bound.data.smtpAction.attachments in (None, [])
        assert bound.authentication is not None and bound.authentication.password == "pw"


@pytest.mark.django_db
def test_the_catalogue_marks_the_official_template_as_running_here() -> None:
    report = import_documents(
        [(EMAIL_FILE, (CORPUS_DIR / EMAIL_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed
    runs_here = {e.template_id for e in search_entries(CatalogueFilters(runs_here=True))}
    assert EMAIL_ID in runs_here


def test_the_generated_template_is_valid() -> None:
    generated = email.element_template()
    assert validate_template(generated) == []
    assert generated["properties"][0]["value"] == "io.camunda:email:1"
