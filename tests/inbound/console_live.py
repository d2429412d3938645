"""What the live consumer console tests share: a staff client, the consumers' supervisor, the
live post and the watch of its page until the running consumer has answered."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from connectors.inbound.consumers import ConsumerSupervisor
from connectors.models import InboundActivity
from tests.consumers.conftest import wait_for

STARTED = ("Activated subscription", "Subscription activated", "Listening to folder")


@pytest.fixture
def supervisor() -> Iterator[ConsumerSupervisor]:
    running = ConsumerSupervisor(back_off=0.05)
    yield running
    running.stop_all()


@pytest.fixture
def staff_client(signed_in_client: Client, user: Any, settings: Any) -> Client:
    user.is_staff = True
    user.save()
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    return signed_in_client


def consuming(supervisor: ConsumerSupervisor) -> None:
    """Start the consumers and wait until one says it is subscribed."""
    supervisor.refresh()

    def subscribed() -> bool:
        lines = InboundActivity.objects.filter(tag="CONSUMER").values_list("message", flat=True)
        return any(line.startswith(STARTED) for line in lines)

    wait_for(subscribed, 60.0, "the consumer subscribed")


def live(client: Client, url: str, **fields: str) -> Any:
    return client.post(url, {**fields, "mode": "live", "confirm": "yes"})


def watch_url(page: Any) -> str:
    found = re.search(r'hx-get="([^"]+/watch/[^"]+)"', page.content.decode())
    assert found, "the live run's page does not watch the element"
    return html.unescape(found.group(1))


def watched(client: Client, page: Any) -> str:
    """The watch fragment once it shows the running consumer's correlation."""

    def answered() -> str:
        fragment = client.get(watch_url(page)).content.decode()
        assert 'data-state="bad"' not in fragment, fragment  # timed out
        return fragment if 'data-state="ok"' in fragment else ""

    return str(wait_for(answered, 60.0, "the console showing the consumer's correlation"))
