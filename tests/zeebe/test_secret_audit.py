"""A live job's secret use is audited like a dry-run's (README: every use is recorded).

`manage.py zeebe_worker`'s own worker (`build_worker`) serves a job that refers to a secret
stored in the hub; the secret's audit trail then names the secret, the job type and that a
live job used it, and never the value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from connectors.management.commands.zeebe_worker import build_worker
from connectors.models import SecretAuditEvent
from connectors.secrets.services import secret_create
from tests.zeebe.conftest import WorkerTransport
from tests.zeebe.harness import run_with_live_worker, unique
from tests.zeebe.processes import task_process

pytestmark = pytest.mark.zeebe

NOOP = "io.connectorhub:noop:1"


@pytest.mark.django_db(transaction=True)
def test_a_live_jobs_secret_use_appears_in_the_secrets_audit_trail(
    zeebe_address: str,
    tmp_path: Path,
    settings: Any,
    signed_in_client: Any,
    worker_transport: WorkerTransport,
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    secret = secret_create(name="LIVE_TOKEN", value="live-secret-93be")
    rest = worker_transport.rest_address
    gateway = {"rest_address": rest} if rest else {"address": zeebe_address}
    worker = build_worker({**gateway, "job_types": [NOOP], "name": unique("audit-test")})
    process_id = unique("audit")
    # The no-op connector hands its input back: the secret's value reaches the job's result,
    # which is fine in a process (it is the operator's) and shows that the value was used.
    bpmn = task_process(process_id, NOOP, inputs={"echo": '="{{secrets.LIVE_TOKEN}}"'})

    run_with_live_worker(zeebe_address, worker, bpmn, process_id, tmp_path)

    (use,) = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert use.secret_id == secret.pk and use.secret_name == "LIVE_TOKEN"
    assert use.source == SecretAuditEvent.Source.LIVE and use.job_type == NOOP
    assert use.run_id == "" and use.actor is None and use.detail.startswith("job key ")
    assert "live-secret-93be" not in f"{use.secret_name} {use.detail} {use.job_type}"
    secret.refresh_from_db()
    assert secret.last_used_at is not None
    # The secret's page lists the use as a live job of that type.
    page = signed_in_client.get(f"/secrets/{secret.pk}/").content.decode()
    assert f"live job {NOOP}" in page and "live-secret-93be" not in page
