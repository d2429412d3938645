"""A named credential on the live Zeebe worker: the process maps `awsCredential` from
`=camunda.vars.env.NAME`, as the 8.10 Modeler writes it. Camunda's engine resolves that cluster
variable; the project's test engine has no cluster variables, so the instance carries
`camunda.vars.env` as a variable holding what a hub credential's cluster variable holds (its
marker, docs/credentials.md). The worker (over gRPC and over REST) resolves the credential, the
message reaches moto, and the use is audited as a live use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from connectors.credentials.references import cluster_context
from connectors.management.commands.zeebe_worker import build_worker
from connectors.models import SecretAuditEvent
from tests.aws.conftest import client, receive_all
from tests.credentials.conftest import moto_credential
from tests.services.moto import Moto
from tests.zeebe.conftest import (  # noqa: F401
    WorkerTransport,
    worker_transport,
    zeebe_address,
    zeebe_engine,
)
from tests.zeebe.harness import run_with_live_worker, unique
from tests.zeebe.processes import task_process

pytestmark = [pytest.mark.zeebe, pytest.mark.xdist_group("moto")]
SQS_TYPE = "io.camunda:aws-sqs:1"


@pytest.mark.django_db(transaction=True)
def test_a_live_job_resolves_a_named_credential(
    zeebe_address: str,  # noqa: F811
    tmp_path: Path,
    settings: Any,
    moto: Moto,
    user: Any,
    worker_transport: WorkerTransport,  # noqa: F811  (gRPC and REST)
) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    moto_credential(user, moto, "live_aws")
    url = client(moto, "sqs").create_queue(QueueName="orders")["QueueUrl"]
    inputs = {
        "awsCredential": "=camunda.vars.env.live_aws",
        "configuration.endpoint": moto.endpoint,
        "queue.url": url,
        "queue.type": "standard",
        "queue.messageBody": "=order",
    }
    process_id = unique("sqs-credential")
    bpmn = task_process(process_id, SQS_TYPE, inputs=inputs, headers={"resultVariable": "sent"})
    rest = worker_transport.rest_address
    gateway = {"rest_address": rest} if rest else {"address": zeebe_address}
    worker = build_worker({**gateway, "job_types": [SQS_TYPE], "name": unique("sqs")})
    start = {"order": {"id": 42}, **cluster_context(["live_aws"])}

    variables = run_with_live_worker(zeebe_address, worker, bpmn, process_id, tmp_path, start)

    (message,) = receive_all(moto, url)
    assert variables["sent"] == {"messageId": message["MessageId"]}
    assert message["Body"] == '{"id":42}'
    (use,) = SecretAuditEvent.objects.filter(action=SecretAuditEvent.Action.USE)
    assert use.secret_name == "credential:live_aws"
    assert use.source == SecretAuditEvent.Source.LIVE and use.job_type == SQS_TYPE
    assert moto.secret_key not in repr(variables)
