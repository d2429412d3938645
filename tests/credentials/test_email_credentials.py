"""Camunda's email template (v8) with a named `io.camunda.connectors:email-account:1` credential,
dry-run through the real Celery worker against GreenMail: the account's login and SMTP server
replace the hidden inline fields; an IMAP task reads with an IMAP account; an SMTP account bound
to an IMAP task fails as Camunda's EmailRequest does; a wrong password in the account gives the
connector's usual authentication error with the password nowhere in the run."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.catalogue.importing import import_documents
from connectors.credentials.services import credential_save
from connectors.models import ImportSource, Run, TemplateVersion
from tests.builtin.test_dry_run import dry_run, egress_worker  # noqa: F401
from tests.elementtemplates.corpus import CORPUS_DIR
from tests.email.conftest import EMAIL_FILE, EMAIL_ID, received
from tests.services.greenmail import GreenMail

pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("greenmail"),
]
CHOSEN = "=camunda.vars.env.team_mail"


@pytest.fixture
def email_version(db: None) -> Any:
    report = import_documents(
        [(EMAIL_FILE, (CORPUS_DIR / EMAIL_FILE).read_bytes())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    return TemplateVersion.objects.get(entry__template_id=EMAIL_ID, version=8)


def account(version: Any, user: Any, server: GreenMail, protocol: str, password: str) -> None:
    port = server.smtp if protocol == "smtp" else server.imap
    credential_save(
        definition=version.content["configurationTemplates"][0],
        name="team_mail",
        values={
            "protocol": protocol,
            "username": server.user,
            "password": password,
            f"{protocol}Host": server.host,
            f"{protocol}Port": port,
            f"{protocol}CryptographicProtocol": "NONE",
        },
        user=user,
    )


def send_values(server: GreenMail) -> dict[str, Any]:
    return {
        "protocol": "smtp",
        "emailAccountConfiguration": CHOSEN,
        "data.smtpActionDiscriminator": "sendEmailSmtp",
        "data.smtpAction.from": server.address,
        "data.smtpAction.to": "carol@example.org",
        "data.smtpAction.subject": "Sent with an account",
        "data.smtpAction.body": "Hello.",
        "resultVariable": "result",
    }


def list_values() -> dict[str, Any]:
    return {
        "protocol": "imap",
        "emailAccountConfiguration": CHOSEN,
        "data.imapActionDiscriminator": "listEmailsImap",
        "data.imapAction.maxToBeRead": 50,
        "resultVariable": "result",
    }


def stored(run: Run) -> str:
    return json.dumps(Run.objects.filter(pk=run.pk).values().get(), default=str)


def test_a_dry_run_sends_with_the_accounts_login_and_server(
    egress_worker: Any,  # noqa: F811
    email_version: Any,
    mail_server: GreenMail,
    user: Any,
) -> None:
    account(email_version, user, mail_server, "smtp", mail_server.password)

    run = dry_run(email_version, send_values(mail_server), user)

    assert run.outcome == "completed", run.error_message
    result = run.outcome_record.variables["result"]
    got = received(mail_server, "carol@example.org", result["messageId"])
    assert got["Subject"] == "Sent with an account"
    assert run.job["variables"]["emailAccountConfiguration"] == "{{credentials.team_mail}}"
    assert mail_server.password not in stored(run)


def test_an_imap_task_lists_with_an_imap_account(
    egress_worker: Any,  # noqa: F811
    email_version: Any,
    mail_server: GreenMail,
    user: Any,
) -> None:
    account(email_version, user, mail_server, "imap", mail_server.password)

    run = dry_run(email_version, list_values(), user)

    assert run.outcome == "completed", run.error_message
    assert isinstance(run.outcome_record.variables["result"], list)
    assert mail_server.password not in stored(run)


def test_an_smtp_account_cannot_serve_an_imap_task(
    egress_worker: Any,  # noqa: F811
    email_version: Any,
    mail_server: GreenMail,
    user: Any,
) -> None:
    account(email_version, user, mail_server, "smtp", mail_server.password)

    run = dry_run(email_version, list_values(), user)

    assert run.outcome == "failed"
    assert run.error_message.startswith(
        "emailAccountConfiguration: No email server settings provided by the credential or the "
        "element template"
    )


def test_a_wrong_password_in_the_account_fails_as_usual_without_it(
    egress_worker: Any,  # noqa: F811
    email_version: Any,
    mail_server: GreenMail,
    user: Any,
) -> None:
    wrong = "Wrong-Mail-Password-in-an-account-3"
    account(email_version, user, mail_server, "smtp", wrong)

    run = dry_run(email_version, send_values(mail_server), user)

    assert run.outcome == "failed"
    assert run.error_message.startswith("jakarta.mail.AuthenticationFailedException: 535")
    assert wrong not in stored(run) and mail_server.password not in stored(run)
