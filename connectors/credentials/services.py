"""Writes: create, change and delete credentials; each is audited in the secrets' audit trail.

Bad input raises Django's ValidationError keyed by field (`name`, `description`, or a property
id of the configuration template), which the page and the API show next to that field. The
fields are checked as the configure form checks a template's (types, choices, conditions,
constraints). Secret fields (`secret: true`) are encrypted with the secrets' key and never read
back; left out of a change, the stored value is kept. Only a credential's creator or a staff
user may change or delete it; `user=None` is the hub's own code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectorhub_sdk.references import BRACED_PATTERN
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from connectors.credentials.models import Credential
from connectors.elementtemplates import field_key
from connectors.elementtemplates.job import check_values, resolve
from connectors.secrets.models import SecretAuditEvent
from connectors.secrets.store import cipher, is_staff
from connectors.transactions import write_transaction

from .definitions import DefinitionError, as_template, secret_keys
from .references import NAME_MAX_LENGTH, NAME_PATTERN, NAME_RULE

DESCRIPTION_MAX_LENGTH = 1_000
VALUE_MAX_LENGTH = 65_536


class NotCredentialOwner(PermissionDenied):
    def __init__(self, credential: Credential) -> None:
        owner = credential.created_by.get_username() if credential.created_by else "nobody"
        super().__init__(
            f"Credential '{credential.name}' belongs to {owner}: only they or a staff user may "
            "change or delete it."
        )


def may_manage(credential: Credential, user: Any) -> bool:
    if user is None:
        return True
    return is_staff(user) or (
        credential.created_by_id is not None and credential.created_by_id == user.pk
    )


def name_problem(name: str) -> str | None:
    if not name:
        return "A name is required."
    if len(name) > NAME_MAX_LENGTH:
        return f"A name has at most {NAME_MAX_LENGTH} characters."
    if not NAME_PATTERN.fullmatch(name):
        return f"A name may contain {NAME_RULE} (it is read as camunda.vars.env.{name!r})."
    return None


def credential_save(
    *,
    definition: Mapping[str, Any],
    name: str,
    values: Mapping[str, Any],
    description: str = "",
    user: Any = None,
    credential: Credential | None = None,
) -> Credential:
    """Create (or change CREDENTIAL) from the configuration template DEFINITION and VALUES
    (by property id, secret fields included; a secret field left out keeps its value)."""
    if credential is not None and not may_manage(credential, user):
        raise NotCredentialOwner(credential)
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if (problem := name_problem(name)) is not None:
        errors["name"] = [problem]
    elif credential is not None and name != credential.name:
        errors["name"] = [
            "A credential cannot be renamed: configurations and processes refer to it by name. "
            "Create the new name, then delete this one."
        ]
    if len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [f"At most {DESCRIPTION_MAX_LENGTH} characters."]
    try:
        template = as_template(definition)
    except DefinitionError as exc:
        raise ValidationError({"template": [str(exc)]}) from None
    secrets = secret_keys(template)
    kept = set(credential.encrypted_values) if credential is not None else set()
    given = {key: value for key, value in values.items() if value not in (None, "")}
    errors.update(_field_errors(template, given, secrets, kept))
    if errors:
        raise ValidationError(errors)
    active = {field_key(p) for p in resolve(template, _seen(given, secrets, kept)).active}
    # a secret field holding only a secret reference keeps the reference, as Camunda's
    # configurations do: the secret's own owner and host rules then apply at run time
    refs = {k for k in secrets & set(given) if _is_reference(given[k])}
    plain = {k: v for k, v in given.items() if k in active and (k not in secrets or k in refs)}
    encrypted = {
        key: token
        for key, token in (credential.encrypted_values if credential else {}).items()
        if key in active and key not in given
    }
    encrypted.update(
        {k: cipher().encrypt(str(v)) for k, v in given.items() if k in secrets and k not in refs}
    )
    encrypted = {k: v for k, v in encrypted.items() if k in active}
    return _store(credential, definition, name, description, plain, encrypted, user)


def _is_reference(value: Any) -> bool:
    return isinstance(value, str) and BRACED_PATTERN.fullmatch(value.strip()) is not None


def _seen(given: Mapping[str, Any], secrets: set[str], kept: set[str]) -> dict[str, Any]:
    """The values conditions see: a kept secret counts as set (its value is not read)."""
    return {**{key: "x" for key in kept & secrets}, **given}


def _field_errors(
    template: Any, given: dict[str, Any], secrets: set[str], kept: set[str]
) -> dict[str, list[str]]:
    errors = check_values(template, _seen(given, secrets, kept))
    for key in kept - set(given):
        errors.pop(key, None)  # the stored value was checked when it was saved
    for key in secrets & set(given):
        if not isinstance(given[key], str) or len(given[key]) > VALUE_MAX_LENGTH:
            errors.setdefault(key, []).append(f"must be text of at most {VALUE_MAX_LENGTH}")
    return errors


def _store(
    credential: Credential | None,
    definition: Mapping[str, Any],
    name: str,
    description: str,
    plain: dict[str, Any],
    encrypted: dict[str, str],
    user: Any,
) -> Credential:
    target = credential or Credential(created_by=_user(user))
    action = SecretAuditEvent.Action.CHANGE if credential else SecretAuditEvent.Action.CREATE
    target.name = name
    target.template_id = str(definition["id"])
    target.template_version = int(definition.get("version") or 1)
    target.kind = str(definition.get("kind") or "CREDENTIAL")
    target.definition = dict(definition)
    target.description = description
    target.values = plain
    target.encrypted_values = encrypted
    target.changed_by = _user(user)
    try:
        with write_transaction(Credential):
            with transaction.atomic():
                target.save()
            _audit(target, action, user)
    except IntegrityError:
        raise ValidationError({"name": [f"A credential named '{name}' already exists."]}) from None
    return target


def credential_delete(*, credential: Credential, user: Any = None) -> str:
    if not may_manage(credential, user):
        raise NotCredentialOwner(credential)
    name = credential.name
    with write_transaction(Credential):
        credential.delete()
        _audit(credential, SecretAuditEvent.Action.DELETE, user)
    return name


def credentials_rotate_key() -> int:
    """Re-encrypt every stored secret field under the first key (rotate_secrets_key)."""
    count = 0
    for credential in Credential.objects.all():
        rotated = {
            key: cipher().rotate(token, f"credential:{credential.name}/{key}")
            for key, token in credential.encrypted_values.items()
        }
        if rotated != credential.encrypted_values:
            Credential.objects.filter(pk=credential.pk).update(encrypted_values=rotated)
            count += 1
    return count


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _audit(credential: Credential, action: str, user: Any) -> None:
    SecretAuditEvent.objects.create(
        secret_name=f"credential:{credential.name}"[:100],
        action=action,
        actor=_user(user),
        detail=f"credential of {credential.template_id}"[:200],
    )
