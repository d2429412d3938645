"""The hub-side execution environment: everything a job needs from the hub, as one object.

Both adapters run jobs through an `ExecutionEnvironment` and only translate a job in and an
outcome out: the Celery task (`connectors.runs.services.run_execute`, a dry-run) and the Zeebe
job handler (`connectors.zeebe.jobs`, a live job). The environment holds

- the secrets provider: for a dry-run behind `DryRunSecretPolicy` (the connector must accept
  secrets, the run's `secrets_as` user must be allowed each one, borrowed secrets are marked);
  for a live job the hub's providers as configured (a process is the operator's code);
- the per-secret host rules (`store.host_rules_for`: a stored secret's hosts, else a
  provider's `allowed_hosts`; without them, the provider's own rule, found once);
- the egress address policy (`policy_from_settings("dry_run" | "worker")`);
- the time limit of the connector call: a fixed one (the run's, or the worker's --time-limit)
  wins; otherwise the job's `jobTimeout` header, otherwise the default (the job timeout the
  worker asked for on activation);
- the registry;
- the document store behind `context.documents`, made per job by `documents(job)` (the hub's
  is bound to the dry-run or the job key, so a run's documents can be found; None: none);
- the credentials step (`expand`): a job's credential markers become the credentials' objects,
  their secret fields secret references (connectors.credentials; None: no credentials);
- the audit of secret uses: every secret a job resolved is recorded against the secret with
  the job type and whether it was a dry-run (its run id and starter) or a live job (its key).

`connectors.execution.hub` builds it from the hub (`dry_run_environment(run)`,
`live_environment()`); `run(job)` (synchronous, the Celery worker) and `run_async(job)` (the
asyncio worker) call `connectors.runtime`. This module needs no Django: the standalone worker
(`python -m connectors.zeebe`) builds its environment from plain providers.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from connectorhub_sdk import AddressPolicy
from connectorhub_sdk.documents import DocumentStore

from connectors.credentials.references import find_markers
from connectors.registry import Registry
from connectors.runtime import HostLists, JobRequest, Outcome, job_timeout, run_job, run_job_async
from connectors.secrets import SecretError, SecretProvider
from connectors.secrets.providers import describe_secret, host_rule
from connectors.secrets.references import find_references

logger = logging.getLogger(__name__)

T = TypeVar("T")

Source = Literal["dry_run", "live"]
# Blocking calls (the hub's database) from the asyncio worker go through this; direct if None.
RunBlocking = Callable[[Callable[[], T]], Awaitable[T]]
# Records that JOB used the secrets NAMES (never their values).
Audit = Callable[[JobRequest, list[str]], None]
# The document store one job creates and loads documents in.
DocumentsFor = Callable[[JobRequest], DocumentStore]
# A job with its credential markers replaced (connectors.credentials.store.expand_job).
Expand = Callable[[JobRequest], JobRequest]


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
    documents: DocumentsFor | None = None
    expand: Expand | None = None

    def __post_init__(self) -> None:
        # The provider's own host rule, when none was given, is found once here, not per job.
        if self.allowed_hosts is None:
            object.__setattr__(self, "allowed_hosts", host_rule(self.secrets))

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
        if self.expand is not None:
            job = self.expand(job)
        outcome = run_job(
            job,
            secrets=self.secrets,
            registry=self.registry,
            time_limit=self.time_limit_for(job),
            allowed_hosts=self.allowed_hosts,
            address_policy=self.address_policy,
            document_store=self._documents(job),
        )
        self._audit(job, outcome)
        return outcome

    async def run_async(self, job: JobRequest) -> Outcome:
        """JOB's outcome on the running event loop; database work goes through run_blocking."""
        secrets, hosts = self.secrets, self.allowed_hosts
        if self.expand is not None and find_markers(dict(job.variables)):
            expand = self.expand
            job = await self._blocking(lambda: expand(job))
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
            document_store=self._documents(job),
        )
        if outcome.trace.secrets_used and self.audit is not None:
            await self._blocking(lambda: self._audit(job, outcome))
        return outcome

    def _documents(self, job: JobRequest) -> DocumentStore | None:
        return None if self.documents is None else self.documents(job)

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
        host_lookup = hosts or host_rule(provider)
        for name in names:
            try:
                self._values[name] = provider.get(name)
            except SecretError as exc:
                self._errors[name] = exc
            if host_lookup is not None:
                self._hosts[name] = list(host_lookup(name))
            if (where := describe_secret(provider, name)) is not None:
                self._where[name] = where

    def get(self, name: str) -> str | None:
        if name in self._errors:
            raise self._errors[name]
        return self._values.get(name)

    def allowed_hosts(self, name: str) -> list[str]:
        return self._hosts.get(name, [])

    def describe(self, name: str) -> str:
        return self._where.get(name, "")
