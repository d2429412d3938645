"""Serving a connector router over REST: long polling per job type, the same job handler.

`RestJobWorker(gateway, router)` is the REST counterpart of pyzeebe's `ZeebeWorker`: `work()`
long-polls `POST /v2/jobs/activation` for every task of the router (its job type, timeout,
fetch variables and maximum of running jobs) and gives each job to the task's
`ConnectorJobHandler.on_job` with the gateway as its `JobCommands`; `stop()` ends the polls
and returns once the running jobs are done. A gateway error ends `work()` with
`GatewayUnavailable`, so that the supervisor (`LiveWorker`) reconnects with backoff.
"""

import asyncio
import contextlib
import logging

from pyzeebe import ZeebeTaskRouter
from pyzeebe.task.task import Task

from connectors.zeebe.jobs import ConnectorJobHandler
from connectors.zeebe.rest import RestGateway
from connectors.zeebe.routing import handlers_of

logger = logging.getLogger("connectors.zeebe")  # one name for the whole adapter


class RestJobWorker:
    def __init__(
        self,
        gateway: RestGateway,
        router: ZeebeTaskRouter,
        *,
        name: str,
        request_timeout_ms: int = 0,
    ) -> None:
        self.gateway = gateway
        self.router = router
        self.name = name
        self.request_timeout_ms = request_timeout_ms
        self.running: set[asyncio.Task[object]] = set()
        self._polls: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    async def work(self) -> None:
        handlers = {handler.connector.type: handler for handler in handlers_of(self.router)}
        self._polls = [
            asyncio.create_task(self._poll(task, handlers[task.type])) for task in self.router.tasks
        ]
        try:
            await asyncio.gather(*self._polls)
        except asyncio.CancelledError:
            if not self._stopping.is_set():
                raise
        finally:
            for poll in self._polls:
                poll.cancel()

    async def _poll(self, task: Task, handler: ConnectorJobHandler) -> None:
        config = task.config
        mine: set[asyncio.Task[object]] = set()
        while not self._stopping.is_set():
            free = config.max_running_jobs - len(mine)
            if free <= 0:
                # At the maximum: poll again the moment a job finishes, with no timer. Camunda's
                # io.camunda.zeebe.client.impl.worker.JobWorkerImpl also polls from the finished
                # job (handleJobFinished), one poll at a time; its poll interval delays only a
                # poll after an empty answer or an error. It waits until 30 % of its maximum
                # remain; we ask for any free slot, which the long poll fills as jobs come. A
                # pause here kept a freed slot empty while its next job waited at the gateway
                # (100 jobs active: docs/performance.md, issue 16).
                await asyncio.wait(mine, return_when=asyncio.FIRST_COMPLETED)
                continue
            jobs = await self.gateway.activate(
                config.type,
                worker=self.name,
                timeout_ms=config.timeout_ms,
                max_jobs=min(free, config.max_jobs_to_activate),
                fetch_variables=list(config.variables_to_fetch or ()),
                request_timeout_ms=self.request_timeout_ms,
            )
            for job in jobs:
                running = asyncio.create_task(handler.on_job(job, self.gateway))
                for group in (mine, self.running):
                    group.add(running)
                    running.add_done_callback(group.discard)

    async def stop(self) -> None:
        """End the long polls (the gateway hands back what it could not send) and wait for
        the running jobs."""
        self._stopping.set()
        for poll in self._polls:
            poll.cancel()
        for poll in self._polls:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await poll
        while self.running:
            await asyncio.wait(set(self.running))
