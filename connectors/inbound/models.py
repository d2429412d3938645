"""Inbound connectors: the process definitions the hub knows, their active
inbound elements, and a short activity log per element.

An element's `properties` are its `zeebe:property` values as deployed: secret references stay
references (`{{secrets.NAME}}`), resolved only when the element is activated or runs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class InboundSource(models.TextChoices):
    CAMUNDA = "camunda", "Found in Camunda (process definition search)"
    HUB = "hub", "Deployed through the hub"


class InboundProcess(models.Model):
    """One deployed process definition and its BPMN XML, as discovery last saw it.

    `latest`: the newest version of its process id; latest versions are activated, and an
    older one's message elements stay while instances wait at them (inbound/subscriptions.py).
    `gone`: a later search no longer found it (deleted in Camunda), so its elements are
    deactivated.
    """

    process_definition_key = models.BigIntegerField(unique=True)
    process_id = models.CharField(max_length=255, db_index=True)
    version = models.PositiveIntegerField()
    resource_name = models.CharField(max_length=255, blank=True)
    tenant_id = models.CharField(max_length=255, default="<default>")
    xml = models.TextField()
    source = models.CharField(max_length=16, choices=InboundSource.choices)
    latest = models.BooleanField(default=True)
    gone = models.BooleanField(default=False)
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    seen_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["process_id", "-version"]

    def __str__(self) -> str:
        return f"{self.process_id} v{self.version} ({self.process_definition_key})"


class ElementKind(models.TextChoices):
    START_EVENT = "startEvent", "Start event"
    MESSAGE_START_EVENT = "messageStartEvent", "Message start event"
    INTERMEDIATE_CATCH = "intermediateCatchEvent", "Intermediate catch event"
    BOUNDARY = "boundaryEvent", "Boundary event"
    RECEIVE_TASK = "receiveTask", "Receive task"


class ElementState(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    DOWN = "DOWN", "Down"
    INACTIVE = "INACTIVE", "Deactivated"


class InboundElement(models.Model):
    """One inbound element of a process definition (Camunda's InboundConnectorElement).

    Elements with one `deduplication_id` share one executable (one endpoint, one consumer).
    `state`: ACTIVE (running), DOWN (could not be activated or its connector reported DOWN;
    `reason` says why, without secret values) or INACTIVE (its process version was replaced
    or removed; kept for its activity log). `context_path`: a webhook's `inbound.context`.
    """

    process = models.ForeignKey(InboundProcess, on_delete=models.CASCADE, related_name="elements")
    element_id = models.CharField(max_length=255)
    element_name = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=32, choices=ElementKind.choices)
    inbound_type = models.CharField(max_length=255, db_index=True)
    connector_kind = models.CharField(max_length=16, blank=True)  # webhook, consumer, "" unknown
    properties = models.JSONField(default=dict)
    message_name = models.CharField(max_length=255, blank=True)
    deduplication_id = models.CharField(max_length=512, db_index=True)
    context_path = models.CharField(max_length=255, blank=True, db_index=True)
    state = models.CharField(max_length=16, choices=ElementState.choices, db_index=True)
    reason = models.TextField(blank=True)
    # why activation failed (the state is DOWN while it is set); a later sync clears it when
    # the cause has gone. A DOWN the connector reports itself leaves this empty.
    activation_error = models.TextField(blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["process__process_id", "element_id"]
        constraints = [
            models.UniqueConstraint(fields=["process", "element_id"], name="inbound_element_once")
        ]

    def __str__(self) -> str:
        return f"{self.process.process_id}/{self.element_id} ({self.inbound_type})"


class InboundActivity(models.Model):
    """One line of an element's activity log (Camunda's ActivityLogEntry): redacted before it
    is written, and only the newest `CONNECTORHUB_INBOUND_ACTIVITY_KEEP` per element kept."""

    element = models.ForeignKey(InboundElement, on_delete=models.CASCADE, related_name="activities")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    severity = models.CharField(max_length=8, default="INFO")
    tag = models.CharField(max_length=64, blank=True)
    message = models.TextField()
    outcome = models.CharField(max_length=64, blank=True)  # a CorrelationOutcome, if any

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.severity} {self.message[:60]}"
