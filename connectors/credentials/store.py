"""The run-time side of credentials (Django): a credential's object for a job, its secret fields
decrypted for the runtime only, and the audit of their use.

A job names a credential by its marker (`references`); `expand_job` swaps each marker for the
credential's object, whose secret fields are `{{secrets.credential:NAME/FIELD}}` references.
`CredentialSecrets` answers those names (decrypting with the secrets' key) in front of the
run's own secret provider, so the runtime's secrets phase masks, checks and audits a
credential's secret exactly as it does any secret (docs/credentials.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction

from connectors.credentials.models import Credential
from connectors.runtime import JobRequest
from connectors.secrets import SecretError, SecretProvider, SecretUseRefused
from connectors.secrets.models import SecretAuditEvent
from connectors.secrets.policy import NO_SECRETS_FOR_CONNECTOR
from connectors.secrets.providers import describe_secret, host_rule
from connectors.secrets.providers import owner_rule as owner_rule_of
from connectors.secrets.store import cipher, is_staff

from .definitions import as_template, shape
from .references import expand, find_markers, secret_name, split_secret_name

# name -> why the run may not use credential NAME (None: it may)
CredentialRule = Callable[[Credential], str | None]


class CredentialMissing(SecretError):
    """A job refers to a credential the hub does not have (deleted since it was chosen)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"Credential '{name}' does not exist in the hub: it was deleted after the "
            "configuration chose it, or never saved here. Choose another credential in the "
            "Configuration field, or save one named "
            f"'{name}' on the Credentials page."
        )


def expand_job(job: JobRequest) -> JobRequest:
    """JOB with each credential marker replaced by the credential's object (no values)."""
    names = find_markers(dict(job.variables))
    if not names:
        return job
    found = {c.name: c for c in Credential.objects.filter(name__in=names)}

    def object_of(name: str) -> Any:
        credential = found.get(name)
        if credential is None:
            # resolved by CredentialSecrets, which raises CredentialMissing: the runtime turns
            # it into an input error naming the credential, as for a missing secret
            return "{{secrets." + secret_name(name, "") + "}}"
        template = as_template(credential.definition)
        return shape(name, template, credential.values, set(credential.encrypted_values))

    return dataclasses.replace(job, variables=expand(dict(job.variables), object_of))


def owner_rule(user: Any, *, trusted: bool = False) -> CredentialRule:
    """Who may use a credential in a dry-run: its owner and staff (TRUSTED: the CLI)."""
    if trusted or is_staff(user):
        return lambda credential: None
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None

    def rule(credential: Credential) -> str | None:
        if user_id is not None and credential.created_by_id == user_id:
            return None
        return "it belongs to someone else; only its owner or a staff user may use it"

    return rule


class CredentialSecrets:
    """PROVIDER, plus the secret fields of credentials (`credential:NAME/FIELD` names).

    For a dry-run, ACCEPTS is whether the connector accepts secrets at all, RULE who may use a
    credential and BORROWED_BY the person the run's results are shown to (a staff user's use of
    someone else's credential is borrowed: nothing computed from it is shown).
    """

    label = "credentials"

    def __init__(
        self,
        provider: SecretProvider,
        *,
        accepts: bool = True,
        rule: CredentialRule | None = None,
        shown_to: Any = None,
    ) -> None:
        self.provider = provider
        self.accepts = accepts
        self.rule = rule
        self.shown_to_id = getattr(shown_to, "pk", None)

    def get(self, name: str) -> str | None:
        parts = split_secret_name(name)
        if parts is None:
            return self.provider.get(name)
        credential_name, field = parts
        credential = Credential.objects.filter(name=credential_name).first()
        if credential is None:
            raise CredentialMissing(credential_name)
        if not self.accepts:
            raise SecretUseRefused(name, NO_SECRETS_FOR_CONNECTOR)
        if self.rule is not None and (reason := self.rule(credential)) is not None:
            raise SecretUseRefused(f"credential:{credential_name}", reason)
        token = credential.encrypted_values.get(field)
        return None if token is None else cipher().decrypt(token, name)

    def borrowed(self, name: str) -> bool:
        parts = split_secret_name(name)
        if parts is None:
            marks = owner_rule_of(self.provider)
            return bool(marks(name)) if marks is not None else False
        if self.rule is None or self.shown_to_id is None:
            return False
        owner = Credential.objects.filter(name=parts[0]).values_list("created_by_id", flat=True)
        return bool(owner.first() != self.shown_to_id)

    def allowed_hosts(self, name: str) -> list[str]:
        if split_secret_name(name) is not None:
            return []  # a credential names no hosts: the egress policy alone applies
        lookup = host_rule(self.provider)
        return list(lookup(name)) if lookup is not None else []

    def describe(self, name: str) -> str:
        if (parts := split_secret_name(name)) is not None:
            return f"credential {parts[0]}"
        where = describe_secret(self.provider, name)
        return where if where is not None else self.label


def split_uses(names: Iterable[str]) -> tuple[list[str], dict[str, list[str]]]:
    """(ordinary secret names, {credential name: [its fields]}) of a run's used names."""
    secrets: list[str] = []
    credentials: dict[str, list[str]] = {}
    for name in names:
        parts = split_secret_name(name)
        if parts is None:
            secrets.append(name)
        else:
            credentials.setdefault(parts[0], []).append(parts[1])
    return secrets, credentials


def record_credential_use(
    uses: dict[str, list[str]],
    run_id: object,
    actor: Any = None,
    *,
    source: str = SecretAuditEvent.Source.DRY_RUN,
    job_type: str = "",
    detail: str = "",
) -> None:
    """Audit that credentials were used, in the secrets' audit trail (`credential:NAME`)."""
    if not uses:
        return
    with transaction.atomic():
        SecretAuditEvent.objects.bulk_create(
            SecretAuditEvent(
                secret_name=f"credential:{name}"[:100],
                action=SecretAuditEvent.Action.USE,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                run_id=str(run_id)[:64],
                source=source,
                job_type=job_type[:200],
                detail="; ".join(
                    part for part in (f"fields {', '.join(sorted(fields))}", detail) if part
                )[:200],
            )
            for name, fields in sorted(uses.items())
        )
