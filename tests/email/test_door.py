"""The acceptance case of the network door for mail: a dry-run's SMTP connection to loopback is
refused by the same policy, with the same message, as REST's request to the same host."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.secrets.services import secret_create
from tests.builtin.conftest import REST_ID
from tests.builtin.test_dry_run import dry_run, versions  # noqa: F401
from tests.email.conftest import SECRET, smtp_values
from tests.email.test_dry_run import email_version  # noqa: F401

# one GreenMail per test session: its tests share a worker (docs/testing.md)
pytestmark = [
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("greenmail"),
]


@pytest.fixture
def policy_worker(celery_worker: Any) -> Any:
    """The session's worker, with no allow-list entry: loopback is refused (tests/services/
    celery_worker.py: the worker has no allow-list from settings)."""
    return celery_worker


def test_smtp_to_loopback_is_refused_with_rests_message(
    policy_worker: Any,
    email_version: Any,  # noqa: F811
    versions: dict[str, Any],  # noqa: F811
    mail_server: Any,
    user: Any,
) -> None:
    secret_create(name=SECRET, value=mail_server.password, user=user)
    mail = dry_run(email_version, smtp_values(mail_server), user)
    rest = dry_run(
        versions[REST_ID], {"method": "GET", "url": f"http://127.0.0.1:{mail_server.smtp}/"}
    )

    assert mail.outcome == "failed"
    assert "127.0.0.1 is a loopback address (rule 'loopback')" in mail.error_message
    assert mail.error_message == rest.error_message
    assert mail.outcome_record.trace.error["type"] == rest.outcome_record.trace.error["type"]
    assert mail.outcome_record.retries == rest.outcome_record.retries == 0
