"""A Zeebe gateway for tests and benchmarks, without the vendor's broker.

`zeebe_gateway()` yields the address of a gateway that answers: the one in ZEEBE_ADDRESS when
that is set (your own Camunda 8), otherwise the project's test engine
(tests/services/zeebe_engine), started here and stopped on the way out. See
docs/zeebe-broker.md.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
from pyzeebe.proto import gateway_pb2, gateway_pb2_grpc

from tests.services.zeebe_engine import ZeebeTestEngine

BASE_DIR = Path(__file__).resolve().parents[2]


class ZeebeStartError(RuntimeError):
    """The gateway in ZEEBE_ADDRESS did not answer in time."""


def gateway_ready(address: str, timeout: float = 2.0) -> bool:
    """True when the gateway answers a topology request with a healthy leader partition."""
    with grpc.insecure_channel(address) as channel:
        stub = gateway_pb2_grpc.GatewayStub(channel)
        try:
            topology = stub.Topology(gateway_pb2.TopologyRequest(), timeout=timeout)
        except grpc.RpcError:
            return False
    partitions = [p for broker in topology.brokers for p in broker.partitions]
    leaders = [
        p
        for p in partitions
        if p.role == gateway_pb2.Partition.LEADER and p.health == gateway_pb2.Partition.HEALTHY
    ]
    # Every partition needs a healthy leader before commands to it succeed.
    return bool(partitions) and len(leaders) == topology.partitionsCount


def wait_for_gateway(address: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not gateway_ready(address):
        if time.monotonic() > deadline:
            raise ZeebeStartError(f"Zeebe gateway at {address} not ready within {timeout:.0f}s")
        time.sleep(0.25)


@contextlib.contextmanager
def engine_process() -> Iterator[subprocess.Popen[str]]:
    """The test engine in a child process (`python -m tests.services.zeebe_engine`), for a
    benchmark whose driver should not share its interpreter; `.address` is set on it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.services.zeebe_engine"],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("export ZEEBE_ADDRESS="):
                process.address = line.split("=", 1)[1].strip()  # type: ignore[attr-defined]
                break
        else:
            raise ZeebeStartError("the test engine exited before it printed its address")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def zeebe_gateway() -> Iterator[str]:
    """The address of a ready gateway: ZEEBE_ADDRESS, or a test engine started here."""
    address = os.environ.get("ZEEBE_ADDRESS")
    if address:
        wait_for_gateway(address, timeout=30.0)
        yield address
        return
    with ZeebeTestEngine() as engine:
        yield engine.address
