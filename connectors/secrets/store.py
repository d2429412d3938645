"""The database store: the configured key, the database provider and the provider chain.

The runtime calls `default_provider()` to resolve, `allowed_hosts_for()` before sending, and
`record_secret_use()` after a run, which is what fills a secret's "used by" list.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from connectorhub.env import ConfigurationError, dev_secret_file
from connectors.secrets import conf
from connectors.secrets.crypto import KEY_SETTING, SecretCipher, generate_key, parse_keys
from connectors.secrets.errors import SecretsKeyError
from connectors.secrets.models import Secret, SecretAuditEvent
from connectors.secrets.policy import OwnerRule, UseRule
from connectors.secrets.providers import (
    ChainSecretProvider,
    EnvironmentSecretProvider,
    HostRule,
    SecretProvider,
    describe_secret,
    host_rule,
    label_of,
    members_of,
)


def cipher() -> SecretCipher:
    """The cipher for the configured key(s); see `key_source()` for where they come from."""
    raw = conf.configured_key()
    if raw:
        return _cipher_for(raw, KEY_SETTING)
    path = conf.dev_key_path()
    if not path.exists():
        _refuse_new_key_over_existing_secrets()
        # FileExistsError: another process (web or worker) created it a moment ago.
        with contextlib.suppress(FileExistsError):
            dev_secret_file(path, generate_key)
    return _cipher_for(path.read_text().strip(), str(path))


def key_source() -> str:
    if conf.configured_key():
        return KEY_SETTING
    return f"development key file {conf.dev_key_path()}"


@functools.lru_cache(maxsize=8)
def _cipher_for(raw: str, source: str) -> SecretCipher:
    return SecretCipher(parse_keys(raw, source))


def _refuse_new_key_over_existing_secrets() -> None:
    # A fresh key could not decrypt what is stored; saying so beats failing secret by secret later.
    count = Secret.objects.count()
    if count:
        raise SecretsKeyError(
            f"{KEY_SETTING} is not set and the development key file {conf.dev_key_path()} is "
            f"missing, but {count} secret(s) are stored. Set {KEY_SETTING} to the key they were "
            "saved with. Nothing has been changed."
        )


class DatabaseSecretProvider:
    """Secrets stored in the hub, decrypted on demand; each lookup stamps `last_used_at`."""

    label = "database"

    def get(self, name: str) -> str | None:
        row = Secret.objects.filter(name=name).values_list("pk", "encrypted_value").first()
        if row is None:
            return None
        pk, token = row
        value = cipher().decrypt(token, name)
        Secret.objects.filter(pk=pk).update(last_used_at=timezone.now())
        return value

    def allowed_hosts(self, name: str) -> list[str]:
        return allowed_hosts_for(name)

    def describe(self, name: str) -> str:
        return "the hub's secrets"


def _environment_provider() -> SecretProvider:
    return EnvironmentSecretProvider(prefix=conf.env_prefix())


PROVIDERS = {"database": DatabaseSecretProvider, "environment": _environment_provider}


def default_provider() -> ChainSecretProvider:
    """The providers named in CONNECTORHUB_SECRETS_PROVIDERS, in that order.

    A name with a dot is a dotted path to a class or factory taking no arguments, which is how
    a vault provider can be added without touching this module.
    """
    providers: list[SecretProvider] = []
    for name in conf.provider_names():
        if name in PROVIDERS:
            providers.append(PROVIDERS[name]())
        elif "." in name:
            try:
                providers.append(import_string(name)())
            except ImportError as exc:
                raise ConfigurationError(
                    f"{conf.PROVIDERS_SETTING}: cannot import provider {name!r}: {exc}"
                ) from None
        else:
            raise ConfigurationError(
                f"{conf.PROVIDERS_SETTING}: unknown provider {name!r}; use "
                + ", ".join(PROVIDERS)
                + " or a dotted path to a provider class"
            )
    return ChainSecretProvider(providers)


def allowed_hosts_for(name: str) -> list[str]:
    """Host patterns secret NAME may be sent to; empty means anywhere (and for non-DB secrets)."""
    hosts = Secret.objects.filter(name=name).values_list("allowed_hosts", flat=True).first()
    return list(hosts or [])


def host_rules_for(provider: SecretProvider) -> HostRule:
    """The host patterns a secret may be sent to, for runs whose secrets come from PROVIDER.

    A stored secret's own list comes first (as it always has, whichever provider handed the
    value out); when it names none, the first provider of PROVIDER that keeps host rules
    (`RestrictsHosts`, e.g. a vault) is asked. Worked out once, when an environment is built.
    """
    others = [
        rule
        for member in members_of(provider)
        if not isinstance(member, DatabaseSecretProvider)
        and (rule := host_rule(member)) is not None
    ]
    if not others:
        return allowed_hosts_for

    def hosts(name: str) -> list[str]:
        for rule in [allowed_hosts_for, *others]:
            if found := rule(name):
                return list(found)
        return []

    return hosts


def borrowed_secret_rule(user: Any, *, trusted: bool = False) -> OwnerRule:
    """Whether a secret is someone else's to USER (for `DryRunSecretPolicy(borrowed=...)`).

    A stored secret is USER's when they created it; staff are no exception (a staff user may
    use every secret, but only its owner knows its value). Secrets from outside the store
    (the environment, a vault) belong to whoever runs the hub: only staff may use them, and
    they are not held back from staff. TRUSTED callers (the `dryrun` command) borrow nothing.
    """
    if trusted:
        return lambda name: False
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    staff = is_staff(user)

    def rule(name: str) -> bool:
        owner = Secret.objects.filter(name=name).values_list("created_by_id", flat=True)
        stored = list(owner[:1])
        if not stored:
            return not staff
        return user_id is None or stored[0] != user_id

    return rule


def is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_staff", False))


def dry_run_secret_rule(user: Any, provider: SecretProvider, *, trusted: bool = False) -> UseRule:
    """Why USER may not use a secret in a dry-run (None: they may), for `DryRunSecretPolicy`.

    A secret belongs to whoever created it. Its owner may use it anywhere its allowed hosts
    permit (everywhere when it names none); anyone else only when it names allowed hosts, so
    that its owner decided where it may go (the runtime's egress check holds it there). A
    secret from outside the hub's store (the environment, a vault) has neither owner nor hosts:
    only staff may use it. Staff and TRUSTED callers (the `dryrun` command, run by whoever
    operates the hub) may use every secret. A name no provider has is left to the runtime,
    which reports it as not available.
    """
    if trusted or is_staff(user):
        return _anyone
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None

    def rule(name: str) -> str | None:
        row = (
            Secret.objects.filter(name=name)
            .values("created_by_id", "created_by__username", "allowed_hosts")
            .first()
        )
        source = _source_of(provider, name, stored=row is not None)
        if source is None:
            return None
        if row is None or source != "database":
            return (
                f"it comes from {source}, outside the hub's store, so it has no owner and no "
                "allowed hosts; only staff may use it in dry-runs"
            )
        if user_id is not None and row["created_by_id"] == user_id:
            return None
        if row["allowed_hosts"]:
            return None
        owner = row["created_by__username"]
        if not owner:
            return "it has no owner and names no allowed hosts, so only staff may use it"
        return (
            f"it belongs to {owner} and names no allowed hosts, so only {owner} or a staff "
            f"user may use it until {owner} lists the hosts it may be sent to"
        )

    return rule


def _anyone(name: str) -> None:
    return None


def other_source_of(name: str) -> str | None:
    """Which configured provider other than the hub's store answers for NAME, or None."""
    return _source_of(default_provider(), name, stored=False)


def shadowed_names() -> dict[str, str]:
    """Stored secrets whose name another provider also answers: name -> that provider.

    Providers are asked in order, so the stored value wins silently; staff are told (the
    secrets page) because one of the two is probably not what the runs should use."""
    provider = default_provider()
    names = Secret.objects.values_list("name", flat=True)
    found = {name: _source_of(provider, name, stored=False) for name in names}
    return {name: source for name, source in found.items() if source}


def _source_of(provider: SecretProvider, name: str, *, stored: bool) -> str | None:
    """Which provider answers for NAME: "database", another one's description, or None."""
    for candidate in members_of(provider):
        if isinstance(candidate, DatabaseSecretProvider):
            if stored:
                return "database"
            continue
        if candidate.get(name) is not None:
            where = describe_secret(candidate, name)
            return where if where is not None else f"the {label_of(candidate)} provider"
    return None


def record_secret_use(
    names: Iterable[str],
    run_id: object,
    actor: Any = None,
    *,
    source: str = SecretAuditEvent.Source.DRY_RUN,
    job_type: str = "",
    detail: str = "",
) -> None:
    """Audit that secrets NAMES were used (never their values): by dry-run RUN_ID started by
    ACTOR, or (SOURCE `live`, no run, no actor) by a live job; JOB_TYPE names the connector."""
    names = sorted(set(names))
    if not names:
        return
    now = timezone.now()
    with transaction.atomic():
        # the write comes first: on SQLite a transaction that read before writing fails at once
        # when another worker committed in between, and the audit row would be lost
        Secret.objects.filter(name__in=names).update(last_used_at=now)
        stored = dict(Secret.objects.filter(name__in=names).values_list("name", "pk"))
        SecretAuditEvent.objects.bulk_create(
            SecretAuditEvent(
                secret_id=stored.get(name),
                secret_name=name,
                action=SecretAuditEvent.Action.USE,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                run_id=str(run_id)[:64],
                source=source,
                job_type=job_type[:200],
                detail=_use_detail(detail, stored=name in stored),
            )
            for name in names
        )


def _use_detail(detail: str, *, stored: bool) -> str:
    notes = [detail] if detail else []
    if not stored:
        notes.append("not stored in the hub (another provider)")
    return "; ".join(notes)[:200]
