"""Encryption at rest, keys, the database provider and the hooks the runtime calls."""

from __future__ import annotations

import os
import stat
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from connectors.models import Secret, SecretAuditEvent
from connectors.secrets import SecretDecryptError, SecretNotFoundError, resolve_references
from connectors.secrets.errors import SecretsKeyError
from connectors.secrets.store import (
    DatabaseSecretProvider,
    allowed_hosts_for,
    cipher,
    default_provider,
    record_secret_use,
)

pytestmark = pytest.mark.django_db
VALUE = "s3cr3t-plaintext-value"


def _raw_column(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT encrypted_value FROM {Secret._meta.db_table} WHERE name = %s",
            [name],
        )
        return str(cursor.fetchone()[0])


def test_raw_database_column_holds_no_plaintext(make_secret: Any) -> None:
    make_secret("API_TOKEN", VALUE, description="for the echo server")
    raw = _raw_column("API_TOKEN")
    assert VALUE not in raw
    assert raw.startswith("gAAAAA")  # a Fernet token
    # Nor any other column of the row, nor the audit table.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Secret._meta.db_table}")
        assert VALUE not in repr(cursor.fetchall())
        cursor.execute(f"SELECT * FROM {SecretAuditEvent._meta.db_table}")
        assert VALUE not in repr(cursor.fetchall())


def test_database_provider_decrypts_and_stamps_last_used(make_secret: Any) -> None:
    make_secret("API_TOKEN", VALUE)
    assert Secret.objects.get().last_used_at is None
    assert DatabaseSecretProvider().get("API_TOKEN") == VALUE
    assert DatabaseSecretProvider().get("OTHER") is None
    assert Secret.objects.get().last_used_at is not None


def test_wrong_key_names_the_secret_and_loses_nothing(make_secret: Any, settings: Any) -> None:
    make_secret("API_TOKEN", VALUE)
    before = _raw_column("API_TOKEN")
    original_key = settings.CONNECTORHUB_SECRETS_KEY
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    with pytest.raises(SecretDecryptError) as caught:
        resolve_references("{{secrets.API_TOKEN}}", default_provider())
    assert "API_TOKEN" in str(caught.value) and "unchanged" in str(caught.value)
    assert _raw_column("API_TOKEN") == before
    settings.CONNECTORHUB_SECRETS_KEY = original_key
    assert DatabaseSecretProvider().get("API_TOKEN") == VALUE


def test_malformed_key_is_named_by_position_not_shown(settings: Any) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode() + ",not-a-key"
    with pytest.raises(SecretsKeyError) as caught:
        cipher()
    assert "key 2 of 2" in str(caught.value)
    assert "not-a-key" not in str(caught.value)


def test_missing_key_with_stored_secrets_refuses(
    make_secret: Any, settings: Any, tmp_path: Path
) -> None:
    make_secret("API_TOKEN", VALUE)
    before = _raw_column("API_TOKEN")
    settings.CONNECTORHUB_SECRETS_KEY = ""
    settings.DATA_DIR = tmp_path
    with pytest.raises(SecretsKeyError) as caught:
        DatabaseSecretProvider().get("API_TOKEN")
    assert "CONNECTORHUB_SECRETS_KEY is not set" in str(caught.value)
    assert "1 secret(s) are stored" in str(caught.value)
    assert not (tmp_path / "secrets_key").exists()  # no new key that could not decrypt them
    assert _raw_column("API_TOKEN") == before


def test_development_key_is_generated_once_with_mode_0600(settings: Any, tmp_path: Path) -> None:
    settings.CONNECTORHUB_SECRETS_KEY = ""
    settings.DATA_DIR = tmp_path
    token = cipher().encrypt("v")
    key_file = tmp_path / "secrets_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    key = key_file.read_text()
    assert cipher().decrypt(token, "X") == "v"
    assert key_file.read_text() == key


def test_provider_order_and_environment_prefix(
    make_secret: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_secret("SHARED", "from-db")
    monkeypatch.setenv("SECRET_SHARED", "from-env")
    monkeypatch.setenv("SECRET_ENV_ONLY", "env-only")
    monkeypatch.setenv("CH_ENV_ONLY", "custom-prefix")
    assert default_provider().get("SHARED") == "from-db"
    assert default_provider().get("ENV_ONLY") == "env-only"
    settings.CONNECTORHUB_SECRETS_PROVIDERS = "environment,database"
    assert default_provider().get("SHARED") == "from-env"
    settings.CONNECTORHUB_SECRETS_ENV_PREFIX = "CH_"
    assert default_provider().get("ENV_ONLY") == "custom-prefix"
    settings.CONNECTORHUB_SECRETS_PROVIDERS = "database"
    with pytest.raises(SecretNotFoundError):
        resolve_references("{{secrets.ENV_ONLY}}", default_provider())


def test_unknown_provider_is_a_clear_configuration_error(settings: Any) -> None:
    settings.CONNECTORHUB_SECRETS_PROVIDERS = "database,vault"
    with pytest.raises(Exception, match="unknown provider 'vault'"):
        default_provider()
    settings.CONNECTORHUB_SECRETS_PROVIDERS = (
        "connectors.secrets.providers.EnvironmentSecretProvider"
    )
    assert default_provider().providers[0].__class__.__name__ == "EnvironmentSecretProvider"


def test_allowed_hosts_for(make_secret: Any) -> None:
    make_secret("GH", "v", allowed_hosts=["API.github.com", "*.githubusercontent.com"])
    assert allowed_hosts_for("GH") == ["api.github.com", "*.githubusercontent.com"]
    assert allowed_hosts_for("FROM_ENV") == []
    # The default chain offers the same rule, so the runtime needs no second argument.
    assert default_provider().allowed_hosts("GH") == ["api.github.com", "*.githubusercontent.com"]
    assert default_provider().allowed_hosts("FROM_ENV") == []


def test_record_secret_use_audits_names_and_run_never_values(make_secret: Any) -> None:
    make_secret("API_TOKEN", VALUE)
    record_secret_use(["API_TOKEN", "FROM_ENV", "API_TOKEN"], run_id=42)
    uses = SecretAuditEvent.objects.filter(action="use").order_by("secret_name")
    assert [(e.secret_name, e.run_id, e.secret_id is not None) for e in uses] == [
        ("API_TOKEN", "42", True),
        ("FROM_ENV", "42", False),
    ]
    assert Secret.objects.get().last_used_at is not None
    record_secret_use([], run_id=43)
    assert SecretAuditEvent.objects.filter(run_id="43").count() == 0


def test_rotate_secrets_key_command(make_secret: Any, settings: Any) -> None:
    old = settings.CONNECTORHUB_SECRETS_KEY
    make_secret("A", "value-a")
    make_secret("B", "value-b")
    new = Fernet.generate_key().decode()
    settings.CONNECTORHUB_SECRETS_KEY = f"{new},{old}"
    out = StringIO()
    call_command("rotate_secrets_key", stdout=out)
    assert "re-encrypted 2 secret(s)" in out.getvalue()
    settings.CONNECTORHUB_SECRETS_KEY = new  # the old key is gone now
    assert DatabaseSecretProvider().get("A") == "value-a"
    assert DatabaseSecretProvider().get("B") == "value-b"
    out = StringIO()
    call_command("rotate_secrets_key", stdout=out)
    assert "re-encrypted 0 secret(s); 2 already under the first key" in out.getvalue()


def test_rotation_without_the_old_key_changes_nothing(make_secret: Any, settings: Any) -> None:
    make_secret("A", "value-a")
    before = _raw_column("A")
    settings.CONNECTORHUB_SECRETS_KEY = Fernet.generate_key().decode()
    with pytest.raises(CommandError, match=r"Nothing was changed: 1 secret.*: A"):
        call_command("rotate_secrets_key")
    assert _raw_column("A") == before


def test_generate_prints_a_usable_key() -> None:
    out = StringIO()
    call_command("rotate_secrets_key", "--generate", stdout=out)
    Fernet(out.getvalue().strip())
