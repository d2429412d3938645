"""Environment and chain providers (Camunda's `<prefix>NAME` convention)."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.secrets import (
    ChainSecretProvider,
    EnvironmentSecretProvider,
    MappingSecretProvider,
    SecretNotFoundError,
    resolve_references,
)


def test_environment_default_prefix_is_secret_(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_API_TOKEN", "from-env")
    monkeypatch.setenv("API_TOKEN", "unprefixed")
    provider = EnvironmentSecretProvider()
    assert provider.get("API_TOKEN") == "from-env"
    assert provider.get("api_token") is None  # exact name, no relaxed matching


def test_environment_unprefixed_variables_are_not_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@h/db")
    assert EnvironmentSecretProvider().get("DATABASE_URL") is None


def test_environment_prefix_may_be_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAIN_NAME", "plain")
    assert EnvironmentSecretProvider(prefix="").get("PLAIN_NAME") == "plain"
    assert EnvironmentSecretProvider(prefix="CH_").get("PLAIN_NAME") is None


def test_the_hubs_own_keys_are_never_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "django-signing-key")
    monkeypatch.setenv("CONNECTORHUB_SECRETS_KEY", "fernet-key")
    assert EnvironmentSecretProvider().get("KEY") is None
    assert EnvironmentSecretProvider(prefix="").get("CONNECTORHUB_SECRETS_KEY") is None
    assert EnvironmentSecretProvider(prefix="").get("SECRET_KEY") is None


def test_chain_first_provider_wins_and_missing_message_says_where() -> None:
    chain = ChainSecretProvider(
        [
            MappingSecretProvider({"A": "first"}),
            EnvironmentSecretProvider(environ={"SECRET_A": "second", "SECRET_B": "b"}),
        ]
    )
    assert chain.get("A") == "first"
    assert chain.get("B") == "b"
    with pytest.raises(SecretNotFoundError) as caught:
        resolve_references("{{secrets.C}}", chain)
    assert "'C'" in str(caught.value)
    assert "environment variable SECRET_C" in str(caught.value)


def test_provider_reprs_never_show_values() -> None:
    provider: Any = MappingSecretProvider({"A": "hidden-value"})
    assert "hidden-value" not in repr(provider)
    assert "hidden-value" not in repr(ChainSecretProvider([provider]))
