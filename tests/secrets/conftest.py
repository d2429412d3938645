"""Secrets tests run with their own key, never the developer's data/secrets_key."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet

TEST_KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def secrets_key(settings: Any) -> str:
    settings.CONNECTORHUB_SECRETS_KEY = TEST_KEY
    return TEST_KEY


@pytest.fixture
def make_secret(user: Any) -> Any:
    from connectors.secrets.services import secret_create

    def make(name: str, value: str, **kwargs: Any) -> Any:
        return secret_create(name=name, value=value, user=user, **kwargs)

    return make
