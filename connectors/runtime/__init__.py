"""The runtime core: one job in, one outcome out, with Camunda's connector semantics.

Split by phase (docs/runtime.md has the table of modules and the Camunda class each follows):
`outcome` (job and outcome types), `handler` (the phases, `run_job`/`run_job_async`),
`headers`, `binding`, `secret_rules`, `calling` (the time limit), `values`, `expressions`
(result and error expressions), `errors` (exception to failure) and `capture` (logs and
exchanges for the trace). Other code imports from here.
"""

from connectorhub_sdk.javatext import parse_duration

from .calling import DEFAULT_CALL_THREADS, call_threads, configure_call_threads
from .capture import MAX_TRACE_BODY_CHARS, MAX_TRACE_LOG_RECORDS
from .errors import MAX_ERROR_MESSAGE_LENGTH
from .expressions import EXPRESSION_TIME_FLOOR, MAX_OUTPUT_BYTES
from .handler import Clock, run_job, run_job_async
from .headers import (
    ERROR_EXPRESSION,
    JOB_TIMEOUT,
    RESULT_EXPRESSION,
    RESULT_VARIABLE,
    RETRY_BACKOFF,
    header_refusals,
    job_timeout,
)
from .outcome import BpmnErrorOutcome, Completed, Failed, JobRequest, Outcome, Trace
from .secret_rules import HostLists

__all__ = [
    "DEFAULT_CALL_THREADS",
    "ERROR_EXPRESSION",
    "EXPRESSION_TIME_FLOOR",
    "JOB_TIMEOUT",
    "MAX_ERROR_MESSAGE_LENGTH",
    "MAX_OUTPUT_BYTES",
    "MAX_TRACE_BODY_CHARS",
    "MAX_TRACE_LOG_RECORDS",
    "RESULT_EXPRESSION",
    "RESULT_VARIABLE",
    "RETRY_BACKOFF",
    "BpmnErrorOutcome",
    "Clock",
    "Completed",
    "Failed",
    "HostLists",
    "JobRequest",
    "Outcome",
    "Trace",
    "call_threads",
    "configure_call_threads",
    "header_refusals",
    "job_timeout",
    "parse_duration",
    "run_job",
    "run_job_async",
]
