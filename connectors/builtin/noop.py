"""A connector that does nothing: it returns its input, for tests, benchmarks and smoke checks."""

from __future__ import annotations

from connectorhub_sdk import JSON, ConnectorContext, connector, ui
from pydantic import BaseModel, Field


class NoopInput(BaseModel):
    """Anything may be passed; `echo` is handed back as the result."""

    echo: JSON = Field(
        default=None,
        description="Returned unchanged as `echo` in the result",
        json_schema_extra=ui(label="Echo"),
    )


@connector(
    type="io.connectorhub:noop:1",
    name="No-op",
    input=NoopInput,
    description="Completes at once and returns its input; for tests and benchmarks.",
    # It hands its input back, so a secret in it would be shown in the run's result.
    accepts_secrets=False,
)
def noop(data: NoopInput, context: ConnectorContext) -> JSON:
    return {"echo": data.echo}
