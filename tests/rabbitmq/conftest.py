"""The RabbitMQ connector's broker (one private RabbitMQ per test session, emptied after each
test), Camunda's official RabbitMQ templates from the pinned corpus, and `run_rabbitmq`, which
builds a job from a template version as the Modeler would and runs it through the runtime."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.elementtemplates import ElementTemplate
from connectors.runtime import Outcome
from tests.builtin.conftest import run_template, template, templates
from tests.services.rabbitmq import RabbitMQ

RABBITMQ_FILE = "rabbitmq-outbound-connector.json"
RABBITMQ_ID = "io.camunda.connectors.RabbitMQ.v1"
RABBITMQ_TYPE = "io.camunda:connector-rabbitmq:1"
LATEST = 6
SECRET = "RABBIT_PW"


def rabbitmq_templates() -> tuple[ElementTemplate, ...]:
    return tuple(t for t in templates(RABBITMQ_FILE) if t.id == RABBITMQ_ID)


@pytest.fixture
def broker(broker_session: RabbitMQ) -> Iterator[RabbitMQ]:
    """The session's broker; what a test declared is deleted after it."""
    yield broker_session
    broker_session.reset()


def unique(prefix: str) -> str:
    return f"{prefix}-{os.urandom(4).hex()}"


def credentials(server: RabbitMQ, **extra: Any) -> dict[str, Any]:
    """Form values (by binding name) for the credentials connection to SERVER's vhost."""
    return {
        "authentication.authType": "credentials",
        "authentication.userName": server.user,
        "authentication.password": server.password,
        "routing.hostName": server.host,
        "routing.port": str(server.port),
        "routing.virtualHost": server.vhost,
        "resultVariable": "result",
        **extra,
    }


def run_rabbitmq(
    by_binding: dict[str, Any],
    *,
    version: int = LATEST,
    secrets: dict[str, str] | None = None,
    **kwargs: Any,
) -> Outcome:
    tpl = template(RABBITMQ_FILE, RABBITMQ_ID, version)
    return run_template(tpl, by_binding, secrets=secrets, **kwargs)
