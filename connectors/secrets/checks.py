"""System checks: a malformed secrets key; with --deploy, a generated development key."""

from __future__ import annotations

from typing import Any

from django.core import checks

from connectors.secrets import conf
from connectors.secrets.crypto import KEY_SETTING, parse_keys
from connectors.secrets.errors import SecretsKeyError


@checks.register(checks.Tags.security)
def secrets_key_format_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    raw = conf.configured_key()
    if not raw:
        return []
    try:
        parse_keys(raw)
    except SecretsKeyError as exc:
        return [checks.Error(str(exc), id="connectors.E101")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def secrets_key_deploy_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not conf.configured_key():
        return [
            checks.Warning(
                f"{KEY_SETTING} is not set: secrets are encrypted with a development key kept in "
                f"{conf.dev_key_path()}, next to the data.",
                hint=f"Set {KEY_SETTING} (or {KEY_SETTING}_FILE) to a key from "
                "`python manage.py rotate_secrets_key --generate` and keep it apart from backups.",
                id="connectors.W101",
            )
        ]
    return []
