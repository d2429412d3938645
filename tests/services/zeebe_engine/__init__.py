"""A Zeebe test engine of our own: the gateway's gRPC face over a job-level engine.

Tests enqueue jobs (`create_job`) or deploy a small process and start instances, a worker
talks to `engine.address` as to a Zeebe gateway, and the tests read back every command it
sent (`wait_for(key).outcome`, `job(key).events`, `incidents`). See docs/zeebe-broker.md.
"""

from .engine import ZeebeTestEngine
from .jobs import Event, Incident, Job

__all__ = ["Event", "Incident", "Job", "ZeebeTestEngine"]
