"""The hub-side execution environment: everything a job needs from the hub, as one object.

Both adapters run jobs through an `ExecutionEnvironment` and only translate a job in and an
outcome out: the Celery task (`connectors.runs.services.run_execute`, a dry-run) and the Zeebe
job handler (`connectors.zeebe.jobs`, a live job). The environment holds

- the secrets provider: for a dry-run behind `DryRunSecretPolicy` (the connector must accept
  secrets, the run's `secrets_as` user must be allowed each one, borrowed secrets are marked);
  for a live job the hub's providers as configured (a process is the operator's code);
- the per-secret host rules (`allowed_hosts_for`: the hosts a stored secret may be sent to);
- the egress address policy (`policy_from_settings("dry_run" | "worker")`);
- the time limit of the connector call: a fixed one (the run's, or the worker's --time-limit)
  wins; otherwise the job's `jobTimeout` header, otherwise the default (the job timeout the
  worker asked for on activation);
- the registry;
- the audit of secret uses: every secret a job resolved is recorded against the secret with
  the job type and whether it was a dry-run (its run id and starter) or a live job (its key).

`dry_run_environment(run)` and `live_environment()` build it; `run(job)` (synchronous, the
Celery worker) and `run_async(job)` (the asyncio worker) call `connectors.runtime`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from connectors.builtin.http.egress import policy_from_settings
from connectors.models import Run, RunSource
from connectors.registry import Registry, UnknownJobType, default_registry
from connectors.runtime import HostLists, JobRequest, Outcome, job_timeout, run_job, run_job_async
from connectors.sdk import AddressPolicy
from connectors.secrets import DryRunSecretPolicy, SecretError, SecretProvider
from connectors.secrets.policy import UseRule
from connectors.secrets.references import find_references
from connectors.secrets.store import (
    allowed_hosts_for,
    borrowed_secret_rule,
    default_provider,
    dry_run_secret_rule,
    record_secret_use,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

Source = Literal["dry_run", "live"]
# Blocking calls (the hub's database) from the asyncio worker go through this; direct if None.
RunBlocking = Callable[[Callable[[], T]], Awaitable[T]]
# Records that JOB used the secrets NAMES (never their values).
Audit = Callable[[JobRequest, list[str]], None]


@dataclass(frozen=True)
class ExecutionEnvironment:
    """What a run needs from the hub; see the module docstring for each part."""

    source: Source
    secrets: SecretProvider
    registry: Registry
    allowed_hosts: HostLists | None = None
    address_policy: AddressPolicy | None = None
    time_limit: float | None = None
    default_time_limit: float | None = None
    audit: Audit | None = None
    run_blocking: RunBlocking[Any] | None = None

    def with_time_limits(
        self, time_limit: float | None, default_time_limit: float | None
    ) -> ExecutionEnvironment:
        """This environment with the worker's own limits (those it was given win)."""
        return dataclasses.replace(
            self,
            time_limit=self.time_limit if self.time_limit is not None else time_limit,
            default_time_limit=self.default_time_limit or default_time_limit,
        )

    def time_limit_for(self, job: JobRequest) -> float | None:
        # The call is abandoned when Zeebe would give the job to another worker anyway.
        if self.time_limit is not None:
            return self.time_limit
        header = job_timeout(job.headers)
        return header.total_seconds() if header is not None else self.default_time_limit

    def run(self, job: JobRequest) -> Outcome:
        """JOB's outcome, in this thread; the secrets it used are audited."""
        outcome = run_job(
            job,
            secrets=self.secrets,
            registry=self.registry,
            time_limit=self.time_limit_for(job),
            allowed_hosts=self.allowed_hosts,
            address_policy=self.address_policy,
        )
        self._audit(job, outcome)
        return outcome

    async def run_async(self, job: JobRequest) -> Outcome:
        """JOB's outcome on the running event loop; database work goes through run_blocking."""
        secrets, hosts = self.secrets, self.allowed_hosts
        names = find_references(dict(job.variables))
        if names:  # most jobs refer to no secret: no lookup, no thread
            prefetched = await self._blocking(lambda: Prefetched(self.secrets, names, hosts))
            secrets, hosts = prefetched, prefetched.allowed_hosts
        outcome = await run_job_async(
            job,
            secrets=secrets,
            registry=self.registry,
            time_limit=self.time_limit_for(job),
            allowed_hosts=hosts,
            address_policy=self.address_policy,
        )
        if outcome.trace.secrets_used and self.audit is not None:
            await self._blocking(lambda: self._audit(job, outcome))
        return outcome

    async def _blocking(self, call: Callable[[], T]) -> T:
        if self.run_blocking is None:
            return call()
        result: T = await self.run_blocking(call)
        return result

    def _audit(self, job: JobRequest, outcome: Outcome) -> None:
        names = list(outcome.trace.secrets_used)
        if not names or self.audit is None:
            return
        try:
            self.audit(job, names)
        except Exception:  # the outcome stands even when the audit trail cannot be written
            logger.exception(
                "job %s (%s): could not record the use of %s", job.key, job.type, names
            )


class Prefetched:
    """The secrets (and their host rules) one job refers to, looked up before the run.

    The runtime asks its provider synchronously; the hub's database provider must not run on
    the event loop, so the names are found first and looked up in a thread. A lookup error is
    kept and raised when the runtime asks, where it becomes an input error of the job.
    """

    label = "prefetched"

    def __init__(
        self, provider: SecretProvider, names: Iterable[str], hosts: HostLists | None = None
    ) -> None:
        self._values: dict[str, str | None] = {}
        self._errors: dict[str, SecretError] = {}
        self._hosts: dict[str, list[str]] = {}
        self._where: dict[str, str] = {}
        host_lookup = hosts or getattr(provider, "allowed_hosts", None)
        describe = getattr(provider, "describe", None)
        for name in names:
            try:
                self._values[name] = provider.get(name)
            except SecretError as exc:
                self._errors[name] = exc
            if callable(host_lookup):
                self._hosts[name] = list(host_lookup(name))
            if callable(describe):
                self._where[name] = str(describe(name))

    def get(self, name: str) -> str | None:
        if name in self._errors:
            raise self._errors[name]
        return self._values.get(name)

    def allowed_hosts(self, name: str) -> list[str]:
        return self._hosts.get(name, [])

    def describe(self, name: str) -> str:
        return self._where.get(name, "")


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
    stored secrets' host rules, the worker's egress policy and the audit of live uses."""
    return ExecutionEnvironment(
        source="live",
        secrets=default_provider(),
        registry=registry or default_registry(),
        allowed_hosts=allowed_hosts_for,
        address_policy=policy_from_settings("worker"),
        time_limit=time_limit,
        default_time_limit=default_time_limit,
        audit=audit_live_use,
        run_blocking=run_blocking,
    )


def audit_live_use(job: JobRequest, names: list[str]) -> None:
    """A live job used NAMES: no run and no person, so the job's type and key are recorded."""
    record_secret_use(
        names, "", source="live", job_type=job.type, detail=f"job key {job.key}" if job.key else ""
    )


# --------------------------------------------------------------------------------------------
# A dry-run
# --------------------------------------------------------------------------------------------


def dry_run_environment(
    run: Run, *, secrets: SecretProvider | None = None, registry: Registry | None = None
) -> ExecutionEnvironment:
    """RUN's environment: the hub's secrets behind the dry-run policy for RUN's `secrets_as`
    user, the stored host rules, the dry-run egress policy (a dry-run acts for whoever can open
    a form: keep it out of the hub's own network), RUN's time limit, and the audit of the use
    against RUN and its starter. SECRETS and REGISTRY replace the hub's (tests, the CLI)."""
    registry = registry or default_registry()
    provider = secrets if secrets is not None else default_provider()

    def audit(job: JobRequest, names: list[str]) -> None:
        record_secret_use(names, run.pk, actor=run.created_by, job_type=job.type)

    return ExecutionEnvironment(
        source="dry_run",
        secrets=_secret_policy(run, provider, registry),
        registry=registry,
        allowed_hosts=allowed_hosts_for,
        address_policy=policy_from_settings("dry_run"),
        time_limit=run.time_limit,
        audit=audit,
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
