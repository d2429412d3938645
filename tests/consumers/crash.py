"""The crash scenario of the delivery guarantee: a consumer process (crash_consumer.py) is
killed with SIGKILL in the middle of 200 messages and started again; what the answer recorded
says whether a message was lost or correlated twice."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.consumers.conftest import wait_for

BASE_DIR = Path(__file__).resolve().parents[2]
MESSAGES = 200
KILL_AFTER = 60  # correlations seen before the kill
WAIT_SECONDS = 120.0


def _start(module: str, properties: dict[str, Any], output: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tests.consumers.crash_consumer", module]
    return subprocess.Popen(
        [*command, json.dumps(properties), str(output)],
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def lines(output: Path) -> list[str]:
    return output.read_text().split() if output.exists() else []


def kill_and_restart(
    module: str,
    properties: dict[str, Any],
    output: Path,
    expected: set[str],
    settled: Callable[[], bool],
) -> tuple[list[str], int]:
    """Run the consumer, SIGKILL it after KILL_AFTER correlations, run it again until every
    message id is recorded and SETTLED() (nothing left unacknowledged at the source); the
    recorded ids and how many were recorded when the kill landed. EXPECTED: every id."""
    first = _start(module, properties, output)
    try:
        wait_for(lambda: len(lines(output)) >= KILL_AFTER, WAIT_SECONDS, "the first correlations")
    finally:
        first.kill()
        first.wait()
    at_kill = len(lines(output))
    assert at_kill < MESSAGES, "the kill came after the last message: nothing was tested"
    second = _start(module, properties, output)
    try:
        wait_for(
            lambda: expected <= set(lines(output)) and settled(), WAIT_SECONDS, "every message"
        )
    finally:
        second.terminate()
        _, stderr = second.communicate(timeout=30)
    assert second.returncode == 0, stderr.decode(errors="replace")[-3000:]
    return lines(output), at_kill
