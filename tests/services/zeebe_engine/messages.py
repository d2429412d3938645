"""Messages: publication (buffered for its time to live) and correlation to subscriptions.

The engine runs no message catch events, so a test opens the subscription a waiting process
instance would have (`subscribe(name, correlation_key)`). What Zeebe documents and inbound
connectors rely on is kept: a published message correlates to an open subscription with the
same name and correlation key at once, or waits in the buffer until its time to live passes
(a subscription opened meanwhile takes it); a second message with the same message id, name
and correlation key is refused while the first is buffered; a correlation (Zeebe's
`CorrelateMessage`) is never buffered and is refused with NOT_FOUND when nothing waits for it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .jobs import JobCommandError, JobStore


@dataclass
class Message:
    """One message, with everything its request carried."""

    key: int
    kind: str  # "published" or "correlated" (the endpoint it came through)
    name: str
    correlation_key: str
    variables: dict[str, Any]
    time_to_live_ms: int = 0
    message_id: str = ""
    tenant_id: str = "<default>"
    expires: float = 0.0  # monotonic
    process_instance_key: int | None = None  # the instance it correlated with, if any


@dataclass
class Subscription:
    """What a waiting instance opens; `messages` lists the keys it correlated with."""

    name: str
    correlation_key: str
    process_instance_key: int
    messages: list[int] = field(default_factory=list)
    # the catch event waiting, for the element instance search (waiting.py); "" when unknown
    element_id: str = ""
    element_instance_key: int = 0

    def open(self) -> bool:
        return not self.messages  # an intermediate catch event correlates once


class Messages:
    """Every message in arrival order, and the subscriptions; under the store's lock."""

    def __init__(self, store: JobStore) -> None:
        self.store = store
        self.received: list[Message] = []
        self.subscriptions: list[Subscription] = []

    def subscribe(
        self, name: str, correlation_key: str, process_instance_key: int | None = None
    ) -> Subscription:
        with self.store.lock:
            key = process_instance_key or self.store.next_key()
            subscription = Subscription(name, correlation_key, key)
            self.subscriptions.append(subscription)
            now = time.monotonic()
            for message in self.received:
                buffered = message.kind == "published" and message.process_instance_key is None
                if buffered and message.expires > now and self._matches(subscription, message):
                    self._correlate(subscription, message)
                    break
            self.store.notify()
            return subscription

    def publish(
        self,
        name: str,
        correlation_key: str,
        variables: Mapping[str, Any],
        time_to_live_ms: int = 0,
        message_id: str = "",
    ) -> Message:
        with self.store.lock:
            now = time.monotonic()
            if message_id and any(
                m.message_id == message_id
                and (m.name, m.correlation_key) == (name, correlation_key)
                and m.expires > now
                for m in self.received
            ):
                raise JobCommandError(
                    "ALREADY_EXISTS",
                    f"Expected to publish a new message with id '{message_id}', but a message "
                    "with that id was already published",
                )
            message = Message(
                self.store.next_key(), "published", name, correlation_key, dict(variables),
                time_to_live_ms, message_id, expires=now + time_to_live_ms / 1000,
            )  # fmt: skip
            self.received.append(message)
            waiting = self._waiting(message)
            if waiting is not None:
                self._correlate(waiting, message)
            self.store.notify()
            return message

    def correlate(self, name: str, correlation_key: str, variables: Mapping[str, Any]) -> Message:
        with self.store.lock:
            message = Message(
                self.store.next_key(), "correlated", name, correlation_key, dict(variables)
            )
            waiting = self._waiting(message)
            if waiting is None:
                raise JobCommandError(
                    "NOT_FOUND",
                    f"Expected to find subscription for message with name '{name}' and "
                    f"correlation key '{correlation_key}', but none was found.",
                )
            self.received.append(message)
            self._correlate(waiting, message)
            self.store.notify()
            return message

    def _waiting(self, message: Message) -> Subscription | None:
        for subscription in self.subscriptions:
            if subscription.open() and self._matches(subscription, message):
                return subscription
        return None

    @staticmethod
    def _matches(subscription: Subscription, message: Message) -> bool:
        return (subscription.name, subscription.correlation_key) == (
            message.name,
            message.correlation_key,
        )

    @staticmethod
    def _correlate(subscription: Subscription, message: Message) -> None:
        subscription.messages.append(message.key)
        message.process_instance_key = subscription.process_instance_key
