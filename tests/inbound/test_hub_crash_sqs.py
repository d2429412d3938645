"""Issue 22's crash acceptance for the Amazon SQS consumer (moto) through the hub's own inbound
worker (tests/inbound/hub_crash.py): 200 messages, one of them poison, the worker killed with
SIGKILL in the middle and started again. A message counts as acknowledged once it is deleted:
right after the kill the queue (visible and in flight) still held every message the engine had
not accepted, and at the end it is empty. The secret key comes from the environment, as the
hub's environment secrets provider reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from connectors.builtin.aws.sqs_inbound import TYPE
from tests.consumers.test_sqs import client, left, queue
from tests.inbound.conftest import Camunda
from tests.inbound.hub_crash import (
    POISON_AT,
    Source,
    check,
    crash_through_hub,
    element_properties,
    message_variables,
)
from tests.services.moto import Moto

pytestmark = [
    pytest.mark.zeebe,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("moto"),
]
SECRET_VARIABLE = "SECRET_SQS_SECRET_KEY"  # the environment provider's prefix, then the name


def test_a_killed_hub_loses_nothing_and_correlates_each_message_once(
    camunda: Camunda, moto: Moto, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = queue(moto, visibility=2)  # what the killed worker had received comes back after 2 s
    sqs = client(moto)
    ids: dict[int, str] = {}

    def publish(numbers: range) -> set[str]:
        for start in range(numbers.start, numbers.stop, 10):
            entries = [
                {
                    "Id": str(n),
                    "MessageBody": "<order>not json</order>" if n == POISON_AT else f'{{"n": {n}}}',
                }
                for n in range(start, min(start + 10, numbers.stop))
            ]
            sent = sqs.send_message_batch(QueueUrl=url, Entries=entries)["Successful"]
            ids.update({int(m["Id"]): m["MessageId"] for m in sent})
        assert set(numbers) <= set(ids)
        return {ids[n] for n in numbers if n != POISON_AT}

    monkeypatch.setenv(SECRET_VARIABLE, moto.secret_key)  # the deploy's activation reads it too
    connector = {
        "inbound.type": TYPE,
        "authentication.type": "credentials",
        "authentication.accessKey": moto.access_key,
        "authentication.secretKey": "{{secrets.SQS_SECRET_KEY}}",
        "configuration.region": moto.region,
        "queue.region": moto.region,
        "configuration.endpoint": moto.endpoint,
        "queue.url": url,
        "queue.pollingWaitTime": "1",
    }
    source = Source(
        element_properties(connector, "=messageId", "=body.n != null"),
        publish,
        acknowledged=lambda: len(ids) - left(moto, url),
        env={SECRET_VARIABLE: moto.secret_key},
    )
    settings.CONNECTORHUB_SECRETS_KEY = key = Fernet.generate_key().decode()
    outcome = crash_through_hub(camunda, tmp_path, source, key)
    check(outcome, "sqs", secret=moto.secret_key)
    assert left(moto, url) == 0
    first = message_variables(camunda)[0]["event"]
    assert (first["messageId"], first["body"]) == (ids[0], {"n": 0})
