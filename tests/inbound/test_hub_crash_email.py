"""Issue 22's crash acceptance for the email (IMAP) consumer (GreenMail) through the hub's own
inbound worker (tests/inbound/hub_crash.py): 200 emails, one of them poison, the worker killed
with SIGKILL in the middle and started again. An email counts as acknowledged once it is
flagged \\Seen (the templates' default handling, READ): right after the kill no more were seen
than the engine had accepted, and at the end every one is. The mailbox password is a secret in
the hub's store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from connectors.builtin.email.inbound import TYPE
from connectors.secrets.services import secret_create
from tests.consumers.test_email import folder_state, new_user, send_all
from tests.inbound.conftest import Camunda
from tests.inbound.hub_crash import (
    MESSAGES,
    POISON_AT,
    Source,
    check,
    crash_through_hub,
    element_properties,
    message_variables,
)
from tests.services.greenmail import GreenMail

pytestmark = [
    pytest.mark.zeebe,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("greenmail"),
]


def test_a_killed_hub_loses_nothing_and_correlates_each_email_once(
    camunda: Camunda, mail_server: GreenMail, tmp_path: Path, settings: Any
) -> None:
    address = new_user()  # GreenMail's password for it is the address itself
    ids: dict[int, str] = {}

    def publish(numbers: range) -> set[str]:
        subjects = ["Not an order" if n == POISON_AT else f"Order {n}" for n in numbers]
        ids.update(zip(numbers, send_all(mail_server, address, subjects), strict=True))
        return {ids[n] for n in numbers if n != POISON_AT}

    settings.CONNECTORHUB_SECRETS_KEY = key = Fernet.generate_key().decode()
    secret_create(name="MAILBOX_PASSWORD", value=address)

    def acknowledged() -> int:
        return sum(flags == {"\\Seen"} for flags in folder_state(mail_server, address).values())

    connector = {
        "inbound.type": TYPE,
        "authentication.type": "simple",
        "authentication.username": address,
        "authentication.password": "{{secrets.MAILBOX_PASSWORD}}",
        "data.imapConfig.imapHost": mail_server.host,
        "data.imapConfig.imapPort": str(mail_server.imap),
        "data.imapConfig.imapCryptographicProtocol": "NONE",
        "data.pollingWaitTime": "PT1S",
    }
    source = Source(
        element_properties(connector, "=messageId", '=starts with(subject, "Order")'),
        publish,
        acknowledged,
    )
    outcome = crash_through_hub(camunda, tmp_path, source, key)
    check(outcome, "email")
    flags = folder_state(mail_server, address)
    assert len(flags) == MESSAGES and all(f == {"\\Seen"} for f in flags.values())
    first = message_variables(camunda)[0]["event"]
    assert (first["messageId"], first["subject"]) == (ids[0], "Order 0")
