"""Strict parsers for settings read from the environment.

A malformed value stops start-up with a message naming the variable, rather than being
silently read as a default.
"""

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from connectorhub.datadir import private_folder


class ConfigurationError(RuntimeError):
    """An environment variable holds a value the hub cannot use."""


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name}={raw!r} is not a boolean (use true or false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a whole number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (for Docker/Kubernetes secrets)."""
    if value := os.environ.get(name):
        return value
    if path := os.environ.get(f"{name}_FILE"):
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ConfigurationError(f"{name}_FILE={path!r} cannot be read: {exc}") from None
    return None


def dev_secret_file(path: Path, make: Callable[[], str] | None = None) -> str:
    """Read a development secret from PATH, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text().strip()
    private_folder(path.parent)
    value = make() if make else secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
