"""The job commands over gRPC on the gateway stubs, and no reliance on pyzeebe's internals.

Each command goes to the test engine on a plain channel and is read back with everything it
carried; a refusal names Zeebe's status; and nothing under connectors/ reaches into pyzeebe's
private attributes (what `_zeebe_adapter` used to give is sent with the stubs).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from pyzeebe import create_insecure_channel

from connectors.zeebe.grpc_commands import GrpcCommands
from connectors.zeebe.jobs import CommandRejected
from tests.services.zeebe_engine import ZeebeTestEngine

pytestmark = pytest.mark.zeebe

CONNECTORS = Path(__file__).resolve().parents[2] / "connectors"


def test_each_job_command_over_grpc_carries_everything(zeebe_engine: ZeebeTestEngine) -> None:
    keys = [zeebe_engine.create_job("t:grpc", {"n": n}, retries=5) for n in range(4)]
    done, failed, erred, extended = keys
    zeebe_engine.store.activate("t:grpc", "w", 30_000, 4)

    async def commands() -> None:
        channel = create_insecure_channel(grpc_address=zeebe_engine.address)
        try:
            grpc = GrpcCommands(channel)
            await grpc.update_timeout(extended, 90_000)
            await grpc.complete(done, {"out": 1})
            # Exact retries and a back-off: what pyzeebe's public controller cannot send.
            await grpc.fail(failed, 4, "later", 60_000, {"e": 1})
            await grpc.throw_error(erred, "NOPE", "said no", {"why": "x"})
            with pytest.raises(CommandRejected, match=r"NOT_FOUND: .*no such job"):
                await grpc.complete(done, {})
        finally:
            await channel.close()

    asyncio.run(commands())
    assert zeebe_engine.job(done).outcome.variables == {"out": 1}
    [failure] = zeebe_engine.job(failed).of_kind("failed")
    assert (failure.retries, failure.backoff_ms, failure.message, failure.variables) == (
        4,
        60_000,
        "later",
        {"e": 1},
    )
    error = zeebe_engine.job(erred).outcome
    assert (error.error_code, error.message, error.variables) == ("NOPE", "said no", {"why": "x"})
    assert zeebe_engine.job(extended).of_kind("timeout_updated")[0].timeout_ms == 90_000


def test_no_code_reaches_into_pyzeebe_private_attributes() -> None:
    private = re.compile(r"\b(?:controller|adapter|worker|client|job)\._[a-z]\w*|_zeebe_adapter")
    found = [
        f"{path.relative_to(CONNECTORS.parent)}:{number}: {line.strip()}"
        for path in sorted(CONNECTORS.rglob("*.py"))
        if "pyzeebe" in (text := path.read_text())
        for number, line in enumerate(text.splitlines(), 1)
        if private.search(line)
    ]
    assert found == []
