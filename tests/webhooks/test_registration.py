"""The webhook connectors are the built-in inbound connectors the runtime collects
(INBOUND_MODULES), each declared as a webhook with its `inbound.type`."""

from __future__ import annotations

import importlib

import pytest
from connectorhub_sdk.inbound import InboundConnector

from connectors.builtin import INBOUND_MODULES

pytestmark = pytest.mark.xdist_group("webhooks")


def test_inbound_modules_declare_the_three_webhook_types() -> None:
    declared = {
        value.type: value.kind
        for name in INBOUND_MODULES
        for value in vars(importlib.import_module(name)).values()
        if isinstance(value, InboundConnector)
    }
    assert {
        "io.camunda:webhook:1": "webhook",
        "io.camunda:slack-webhook:1": "webhook",
        "io.camunda:aws-sns-webhook:1": "webhook",
    }.items() <= declared.items()
