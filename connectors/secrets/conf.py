"""The secrets settings: a Django setting of the same name wins, else the environment.

| setting | default |
|---|---|
| CONNECTORHUB_SECRETS_KEY (or _FILE) | a development key generated into DATA_DIR/secrets_key |
| CONNECTORHUB_SECRETS_PROVIDERS | database,environment |
| CONNECTORHUB_SECRETS_ENV_PREFIX | SECRET_ (may be empty) |
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from connectorhub.env import env_secret
from connectors.secrets.crypto import KEY_SETTING
from connectors.secrets.providers import DEFAULT_ENV_PREFIX

PROVIDERS_SETTING = "CONNECTORHUB_SECRETS_PROVIDERS"
PREFIX_SETTING = "CONNECTORHUB_SECRETS_ENV_PREFIX"
DEFAULT_PROVIDERS = ("database", "environment")
DEV_KEY_FILENAME = "secrets_key"


def configured_key() -> str | None:
    """The raw key setting (one or more comma-separated keys), or None when it is not set."""
    value = getattr(settings, KEY_SETTING, None)
    return value or env_secret(KEY_SETTING)


def dev_key_path() -> Path:
    return Path(settings.DATA_DIR) / DEV_KEY_FILENAME


def provider_names() -> list[str]:
    value = getattr(settings, PROVIDERS_SETTING, None)
    if value is None:
        value = os.environ.get(PROVIDERS_SETTING, ",".join(DEFAULT_PROVIDERS))
    if isinstance(value, str):
        value = value.split(",")
    return [str(name).strip() for name in value if str(name).strip()]


def env_prefix() -> str:
    value = getattr(settings, PREFIX_SETTING, None)
    if value is None:
        # Set-but-empty is meaningful: every environment variable becomes readable as a secret.
        value = os.environ.get(PREFIX_SETTING, DEFAULT_ENV_PREFIX)
    return str(value)
