"""The broker service stops cleanly: no process and no data directory outlive it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.services.zeebe import BASE_DIR, ZeebeBroker, find_distribution, gateway_ready

pytestmark = pytest.mark.zeebe

distribution = find_distribution()
needs_distribution = pytest.mark.skipif(
    distribution is None, reason="needs the distribution: run .ci/fetch-zeebe"
)


def process_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@needs_distribution
def test_stop_ends_the_broker_and_removes_its_data() -> None:
    assert distribution is not None
    broker = ZeebeBroker(distribution)
    broker.start()
    assert broker.process is not None and broker.workdir is not None
    pid, workdir = broker.process.pid, broker.workdir
    assert gateway_ready(broker.address)

    broker.stop()

    assert process_gone(pid)
    assert not workdir.exists()
    assert not gateway_ready(broker.address)


# Starts the broker without waiting for it to be ready (the JVM need not finish booting for
# this), and reports its pid once the process runs java, i.e. after setpriv set the signal.
STARTER = """
import sys, threading, time
from pathlib import Path
from tests.services.zeebe import ZeebeBroker, find_distribution
broker = ZeebeBroker(find_distribution())
threading.Thread(target=broker.start, daemon=True).start()
def runs_java():
    return broker.process and b"java" in Path(f"/proc/{broker.process.pid}/cmdline").read_bytes()
while not runs_java():
    time.sleep(0.05)
print(broker.process.pid, broker.workdir, flush=True)
sys.stdin.read()
"""


@needs_distribution
@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal is Linux only")
def test_the_broker_dies_with_a_killed_test_process() -> None:
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER],
        cwd=BASE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert starter.stdout is not None
    pid, workdir = starter.stdout.readline().split()

    starter.send_signal(signal.SIGKILL)  # no chance to clean up
    starter.wait()

    assert process_gone(int(pid))
    shutil.rmtree(workdir)  # the one thing a killed process cannot remove
