"""Audit rows survive concurrent writers on the shared SQLite file (web, Celery and Zeebe workers).

On SQLite a transaction that reads before its first write fails at once ("database is locked",
no busy wait) when another connection committed in between; the audit trail must not lose a
use that way.
"""

from __future__ import annotations

from typing import Any

import pytest

from connectors.models import SecretAuditEvent
from connectors.secrets.services import secret_create
from connectors.secrets.store import record_secret_use
from tests.concurrency import run_concurrently


@pytest.mark.django_db(transaction=True)
def test_every_concurrent_use_is_recorded(user: Any) -> None:
    secret_create(name="SHARED", value="s3cret-value", user=user)

    errors = run_concurrently(
        lambda worker, round_: record_secret_use(["SHARED"], f"{worker}-{round_}", job_type="t"),
        threads=6,
        rounds=15,
    )

    assert errors == []
    uses = SecretAuditEvent.objects.filter(secret_name="SHARED", action="use")
    assert uses.count() == 6 * 15
    assert not uses.filter(secret__isnull=True).exists()
