"""The live worker: a Zeebe job of Camunda's email type, its input mappings as the current
template writes them, served by `manage.py zeebe_worker`'s own worker against GreenMail with the
password as a hub secret; the mail arrives and the secret's audit trail records the live use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from connectors.management.commands.zeebe_worker import build_worker
from connectors.models import SecretAuditEvent
from connectors.secrets.services import secret_create
from tests.email.conftest import SECRET, received
from tests.zeebe.conftest import zeebe_address, zeebe_engine  # noqa: F401
from tests.zeebe.harness import run_with_live_worker, unique
from tests.zeebe.processes import task_process

# one GreenMail per test session: its tests share a worker (docs/testing.md)
pytestmark = [pytest.mark.zeebe, pytest.mark.xdist_group("greenmail")]

EMAIL = "io.camunda:email:1"


def feel(value: Any) -> str:
    return f"={value}" if isinstance(value, int) else f'="{value}"'


@pytest.mark.django_db(transaction=True)
def test_a_live_job_sends_and_its_secret_use_is_audited(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    mail_server: Any,
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret = secret_create(name=SECRET, value=mail_server.password)
    worker = build_worker({"address": zeebe_address, "job_types": [EMAIL], "name": unique("m")})
    process_id = unique("email")
    inputs = {
        "protocol": "smtp",
        "authentication.type": "simple",
        "authentication.username": mail_server.user,
        "authentication.password": f"{{{{secrets.{SECRET}}}}}",
        "data.smtpActionDiscriminator": "sendEmailSmtp",
        "data.smtpConfig.smtpHost": mail_server.host,
        "data.smtpConfig.smtpPort": mail_server.smtp,
        "data.smtpConfig.smtpCryptographicProtocol": "NONE",
        "data.smtpAction.from": mail_server.address,
        "data.smtpAction.to": "live@example.org",
        "data.smtpAction.subject": "Live job",
        "data.smtpAction.contentType": "PLAIN",
        "data.smtpAction.body": "Sent by the live worker.",
    }
    bpmn = task_process(
        process_id,
        EMAIL,
        headers={"resultVariable": "result"},
        inputs={target: feel(value) for target, value in inputs.items()},
    )

    variables = run_with_live_worker(zeebe_address, worker, bpmn, process_id, tmp_path)

    result = variables["result"]
    assert result["sent"] is True and result["subject"] == "Live job"
    assert received(mail_server, "live@example.org", result["messageId"])["Subject"] == "Live job"
    (use,) = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert use.secret_id == secret.pk and use.job_type == EMAIL
    assert use.source == SecretAuditEvent.Source.LIVE
    assert mail_server.password not in repr(variables)
