"""Writes: create, change, replace the value of, delete and re-key secrets; each is audited.

Bad input raises Django's ValidationError keyed by field (name, value, allowed_hosts), which the
web forms, the API and the admin show next to that field. Nothing is written when it is raised.

A secret belongs to its creator: only they or a staff user may change, replace or delete it
(`may_manage`); anyone else gets `NotSecretOwner` (a PermissionDenied). `user=None` means the
hub's own code (a management command, a shell), which is trusted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from connectors.secrets.errors import SecretDecryptError
from connectors.secrets.hosts import pattern_problem
from connectors.secrets.models import RetiredSecretName, Secret, SecretAuditEvent
from connectors.secrets.names import name_problem
from connectors.secrets.store import cipher, is_staff, other_source_of
from connectors.transactions import write_transaction

VALUE_MAX_LENGTH = 65_536
DESCRIPTION_MAX_LENGTH = 1_000
ALLOWED_HOSTS_MAX = 50


class NotSecretOwner(PermissionDenied):
    """USER may not change, replace or delete this secret; the message says who may."""

    def __init__(self, secret: Secret) -> None:
        owner = secret.created_by.get_username() if secret.created_by else None
        if owner:
            message = (
                f"Secret '{secret.name}' belongs to {owner}: only they or a staff user may "
                "change, replace or delete it."
            )
        else:
            message = (
                f"Secret '{secret.name}' has no owner: only a staff user may change, replace or "
                "delete it."
            )
        super().__init__(message)


def may_manage(secret: Secret, user: Any) -> bool:
    """Whether USER may change, replace or delete SECRET: its creator, a staff user, or the hub."""
    if user is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff) or (
        secret.created_by_id is not None and secret.created_by_id == user.pk
    )


def check_may_manage(secret: Secret, user: Any) -> None:
    if not may_manage(secret, user):
        raise NotSecretOwner(secret)


def new_name_problem(name: str, user: Any = None) -> str | None:
    """Why USER cannot create a secret named NAME: malformed, taken (also in another case),
    answered by another provider, or retired from a deleted secret of someone else's."""
    if problem := name_problem(name):
        return problem
    existing = Secret.objects.filter(name__iexact=name).values_list("name", flat=True).first()
    if existing:
        return _duplicate_message(name, existing)
    if source := other_source_of(name):
        # Providers are asked in order: a stored secret would silently replace this one for
        # every run, live jobs included.
        return (
            f"'{name}' is already provided by {source}; a stored secret of that name would "
            "replace it in every run. Choose another name."
        )
    return _retired_problem(name, user)


def _retired_problem(name: str, user: Any) -> str | None:
    retired = RetiredSecretName.objects.filter(name__iexact=name).first()
    if retired is None or user is None or is_staff(user):
        return None
    if retired.former_owner_id is not None and retired.former_owner_id == getattr(user, "pk", None):
        return None
    owner = retired.former_owner.get_username() if retired.former_owner else None
    who = f"its former owner ({owner}) or a staff user" if owner else "a staff user"
    return (
        f"'{name}' named a secret that was deleted; processes and configurations may still "
        f"refer to it, so only {who} may use the name again. Choose another name."
    )


def value_problem(value: str) -> str | None:
    if value == "":
        return "A value is required."
    if not value.strip():
        return "The value is only white space."
    if len(value) > VALUE_MAX_LENGTH:
        return f"A value has at most {VALUE_MAX_LENGTH} characters (this one has {len(value)})."
    return None


def clean_allowed_hosts(entries: Iterable[str]) -> list[str]:
    """The host patterns, trimmed, lower-cased and de-duplicated; errors name the entry."""
    cleaned: list[str] = []
    problems: list[str] = []
    for position, entry in enumerate(entries, start=1):
        pattern = str(entry).strip().lower()
        if not pattern:
            continue
        if problem := pattern_problem(pattern):
            problems.append(f"Entry {position}: {problem}")
        elif pattern not in cleaned:
            cleaned.append(pattern)
    if len(cleaned) > ALLOWED_HOSTS_MAX:
        problems.append(f"At most {ALLOWED_HOSTS_MAX} hosts per secret.")
    if problems:
        raise ValidationError({"allowed_hosts": problems})
    return cleaned


def secret_create(
    *,
    name: str,
    value: str,
    description: str = "",
    allowed_hosts: Iterable[str] = (),
    user: Any = None,
) -> Secret:
    errors: dict[str, list[str]] = {}
    if problem := new_name_problem(name, user):
        errors["name"] = [problem]
    if problem := value_problem(value):
        errors["value"] = [problem]
    _check_description(description, errors)
    hosts = _collect_hosts(allowed_hosts, errors)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    try:
        with transaction.atomic():
            secret = Secret.objects.create(
                name=name,
                description=description.strip(),
                encrypted_value=cipher().encrypt(value),
                allowed_hosts=hosts,
                created_by=_user(user),
                changed_by=_user(user),
                value_changed_at=now,
            )
            RetiredSecretName.objects.filter(name__iexact=name).delete()
            _audit(secret, SecretAuditEvent.Action.CREATE, user)
    except IntegrityError:  # created by someone else between the check and the insert
        raise ValidationError({"name": [_duplicate_message(name, name)]}) from None
    return secret


def secret_update(
    *,
    secret: Secret,
    description: str | None = None,
    allowed_hosts: Iterable[str] | None = None,
    user: Any = None,
) -> Secret:
    """Change the description and/or the allowed hosts (the value has its own service)."""
    check_may_manage(secret, user)
    errors: dict[str, list[str]] = {}
    changed = []
    if description is not None:
        _check_description(description, errors)
        if description.strip() != secret.description:
            secret.description = description.strip()
            changed.append("description")
    if allowed_hosts is not None:
        hosts = _collect_hosts(allowed_hosts, errors)
        if hosts != secret.allowed_hosts:
            secret.allowed_hosts = hosts
            changed.append("allowed hosts")
    if errors:
        secret.refresh_from_db()
        raise ValidationError(errors)
    if changed:
        secret.changed_by = _user(user)
        with transaction.atomic():
            secret.save()
            _audit(secret, SecretAuditEvent.Action.CHANGE, user, " and ".join(changed) + " changed")
    return secret


def secret_replace_value(*, secret: Secret, value: str, user: Any = None) -> Secret:
    check_may_manage(secret, user)
    if problem := value_problem(value):
        raise ValidationError({"value": [problem]})
    secret.encrypted_value = cipher().encrypt(value)
    secret.changed_by = _user(user)
    secret.value_changed_at = timezone.now()
    with transaction.atomic():
        secret.save()
        _audit(secret, SecretAuditEvent.Action.CHANGE, user, "value replaced")
    return secret


def secret_delete(*, secret: Secret, user: Any = None) -> str:
    """Delete SECRET and retire its name; returns what runs use for the name from now on
    (another provider's description, for the page to tell the user, or "")."""
    check_may_manage(secret, user)
    source = other_source_of(secret.name) or ""
    detail = f"runs now use {source}"[:200] if source else ""
    with transaction.atomic():
        _audit(secret, SecretAuditEvent.Action.DELETE, user, detail)
        RetiredSecretName.objects.update_or_create(
            name=secret.name, defaults={"former_owner": secret.created_by}
        )
        secret.delete()
    return source


@dataclass
class RotationReport:
    """What `rotate_secrets_key` did: re-encrypted names, and names it could not decrypt."""

    rotated: list[str] = field(default_factory=list)
    already_current: list[str] = field(default_factory=list)
    undecryptable: list[str] = field(default_factory=list)


def secrets_rotate_key(*, dry_run: bool = False) -> RotationReport:
    """Re-encrypt every value under the first configured key.

    All or nothing: if any value cannot be decrypted with the configured keys, nothing is
    written and the report names those secrets.
    """
    current = cipher()
    report = RotationReport()
    updates: list[Secret] = []
    with write_transaction(Secret):
        for secret in Secret.objects.select_for_update().order_by("name"):
            if current.uses_primary_key(secret.encrypted_value):
                report.already_current.append(secret.name)
                continue
            try:
                secret.encrypted_value = current.rotate(secret.encrypted_value, secret.name)
            except SecretDecryptError:
                report.undecryptable.append(secret.name)
                continue
            report.rotated.append(secret.name)
            updates.append(secret)
        if updates and not report.undecryptable and not dry_run:
            Secret.objects.bulk_update(updates, ["encrypted_value"])
    return report


def _duplicate_message(name: str, existing: str) -> str:
    if existing == name:
        return f"A secret named '{name}' already exists."
    return f"A secret named '{existing}' already exists; names may not differ only in case."


def _check_description(description: str, errors: dict[str, list[str]]) -> None:
    if len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [f"At most {DESCRIPTION_MAX_LENGTH} characters."]


def _collect_hosts(entries: Iterable[str], errors: dict[str, list[str]]) -> list[str]:
    try:
        return clean_allowed_hosts(entries)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return []


def _user(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _audit(secret: Secret, action: str, user: Any, detail: str = "") -> None:
    SecretAuditEvent.objects.create(
        secret=secret if action != SecretAuditEvent.Action.DELETE else None,
        secret_name=secret.name,
        action=action,
        actor=_user(user),
        detail=detail,
    )
