"""The hub's execution environments: a dry-run's (from its Run) and the live worker's (from the
settings). See `connectors.execution` for what an environment holds; this module is the part
that needs Django (the secrets store, the runs' model, the egress settings).
"""

from __future__ import annotations

from typing import Any

from connectorhub_sdk import AddressPolicy

from connectors.credentials.store import (
    CredentialSecrets,
    expand_job,
    owner_rule,
    record_credential_use,
    split_uses,
)
from connectors.documents.store import HubDocumentStore
from connectors.execution import ExecutionEnvironment, RunBlocking
from connectors.models import Run, RunSource
from connectors.network.allowlist import policy_from_settings
from connectors.network.replay import ReplayPolicy, ReplaySecrets
from connectors.registry import Registry, UnknownJobType, default_registry
from connectors.runtime import JobRequest
from connectors.secrets import DryRunSecretPolicy, SecretProvider
from connectors.secrets.policy import UseRule
from connectors.secrets.store import (
    borrowed_secret_rule,
    default_provider,
    dry_run_secret_rule,
    host_rules_for,
    record_secret_use,
)

# --------------------------------------------------------------------------------------------
# A live job
# --------------------------------------------------------------------------------------------


def live_environment(
    *,
    registry: Registry | None = None,
    time_limit: float | None = None,
    default_time_limit: float | None = None,
    run_blocking: RunBlocking[Any] | None = None,
) -> ExecutionEnvironment:
    """The live worker's environment from the settings: the configured secrets providers, the
    host rules (stored ones first, then a provider's), the worker's egress policy and the
    audit of live uses."""
    provider = default_provider()
    return ExecutionEnvironment(
        source="live",
        secrets=CredentialSecrets(provider),
        registry=registry or default_registry(),
        allowed_hosts=host_rules_for(provider),
        address_policy=policy_from_settings("worker"),
        time_limit=time_limit,
        default_time_limit=default_time_limit,
        audit=audit_live_use,
        run_blocking=run_blocking,
        documents=lambda job: HubDocumentStore(job_key=job.key),
        expand=expand_job,
    )


def audit_live_use(job: JobRequest, names: list[str]) -> None:
    """A live job used NAMES: no run and no person, so the job's type and key are recorded."""
    secrets, credentials = split_uses(names)
    detail = f"job key {job.key}" if job.key else ""
    record_secret_use(secrets, "", source="live", job_type=job.type, detail=detail)
    record_credential_use(credentials, "", source="live", job_type=job.type, detail=detail)


# --------------------------------------------------------------------------------------------
# A dry-run
# --------------------------------------------------------------------------------------------


def dry_run_environment(
    run: Run, *, secrets: SecretProvider | None = None, registry: Registry | None = None
) -> ExecutionEnvironment:
    """RUN's environment: the hub's secrets behind the dry-run policy for RUN's `secrets_as`
    user, the host rules (stored ones first, then a provider's), the dry-run egress policy (a
    dry-run acts for whoever can open a form: keep it out of the hub's own network), RUN's time
    limit, the audit of the use against RUN and its starter, and the document store bound to
    RUN. An offline replay (`run.replay` set) has the recording's policy instead of the egress
    policy and stand-ins for secrets it may not read (connectors.network.replay). SECRETS and
    REGISTRY replace the hub's (tests, the CLI)."""
    registry = registry or default_registry()
    provider = secrets if secrets is not None else default_provider()

    def audit(job: JobRequest, names: list[str]) -> None:
        secrets, credentials = split_uses(names)
        record_secret_use(secrets, run.pk, actor=run.created_by, job_type=job.type)
        record_credential_use(credentials, run.pk, actor=run.created_by, job_type=job.type)

    secret_policy: SecretProvider = _credential_policy(
        run, _secret_policy(run, provider, registry), registry
    )
    address_policy: AddressPolicy | None = policy_from_settings("dry_run")
    if run.replay is not None:  # offline: answered from the recording, no connection at all
        secret_policy = ReplaySecrets(secret_policy)
        address_policy = ReplayPolicy(run.replay)
    return ExecutionEnvironment(
        source="dry_run",
        secrets=secret_policy,
        registry=registry,
        allowed_hosts=host_rules_for(provider),
        address_policy=address_policy,
        time_limit=run.time_limit,
        audit=audit,
        documents=lambda job: HubDocumentStore(run_id=run.pk),
        expand=expand_job,
    )


def _credential_policy(
    run: Run, secrets: DryRunSecretPolicy, registry: Registry
) -> CredentialSecrets:
    """The run's secrets plus the credentials its `secrets_as` user may use: their own (staff:
    all; the `dryrun` command: all), never for a connector that hands its input back."""
    trusted = run.source == RunSource.COMMAND
    return CredentialSecrets(
        secrets,
        accepts=_accepts_secrets(run.job["type"], registry),
        rule=owner_rule(run.secrets_as, trusted=trusted),
        shown_to=None if trusted else run.created_by,
    )


def _secret_policy(run: Run, provider: SecretProvider, registry: Registry) -> DryRunSecretPolicy:
    """The hub's secrets as this run may use them (docs/secrets.md, "Who may use a secret").

    A dry-run's result is shown to whoever started it, so secrets reach only connectors that
    accept them, and only those the run's `secrets_as` user may use (the starter, or for a
    staff re-run the original run's starter). The `dryrun` command is run by whoever operates
    the hub (who holds the key anyway), so it is trusted like a staff user.
    """
    trusted = run.source == RunSource.COMMAND
    return DryRunSecretPolicy(
        provider,
        connector_accepts_secrets=_accepts_secrets(run.job["type"], registry),
        user_may_use=_secret_rule(run, provider),
        # held back from whoever sees the result: the person who started this run
        borrowed=borrowed_secret_rule(run.created_by, trusted=trusted),
    )


def _secret_rule(run: Run, provider: SecretProvider) -> UseRule:
    """Why RUN may not use a secret (None: it may), for the run's `secrets_as` user."""
    if run.source == RunSource.COMMAND:
        return dry_run_secret_rule(None, provider, trusted=True)
    if run.secrets_as_id is None:
        return lambda name: (
            "the user whose secret permissions this run uses no longer exists, so it may "
            "use no secret"
        )
    rule = dry_run_secret_rule(run.secrets_as, provider)
    if run.secrets_as_id == run.created_by_id:
        return rule
    person = run.secrets_as  # not None: secrets_as_id is set
    owner = person.get_username() if person is not None else "the original starter"

    def borrowed(name: str) -> str | None:
        reason = rule(name)
        if reason is None:
            return None
        return (
            f"this re-run uses the secret permissions of {owner}, who started the original "
            f"run, and for {owner}: {reason}"
        )

    return borrowed


def _accepts_secrets(job_type: str, registry: Registry) -> bool:
    try:
        return registry.get(job_type).accepts_secrets
    except UnknownJobType:
        return True  # the runtime fails the run before it resolves anything
