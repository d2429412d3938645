"""The hub binds with the SDK's bind_input: the same messages, shown even when a borrowed secret
is in the input (they name fields, never values), and `=` texts read by the hub's FEEL."""

from __future__ import annotations

from connectorhub_sdk import JSON, ConnectorContext, connector
from connectorhub_sdk.types import FeelText, OptionalInt
from pydantic import BaseModel

from connectors.registry import Registry
from connectors.runs.stored import StoredOutcome
from connectors.runtime import Completed, Failed, JobRequest, run_job
from connectors.secrets import DryRunSecretPolicy, MappingSecretProvider


class CountInput(BaseModel):
    count: OptionalInt = None
    text: FeelText = ""


@connector(type="test:count:1", name="Count", input=CountInput)
def count(data: CountInput, context: ConnectorContext) -> JSON:
    return {"count": data.count, "text": data.text}


def _run(variables: dict[str, object]) -> object:
    registry = Registry()
    registry.register(count, "builtin:tests.sdk")
    borrowing = DryRunSecretPolicy(
        MappingSecretProvider({"N": "many"}),
        connector_accepts_secrets=True,
        user_may_use=lambda name: None,
        borrowed=lambda name: True,  # every secret belongs to someone else
    )
    return run_job(JobRequest("test:count:1", variables), secrets=borrowing, registry=registry)


def test_a_binding_error_is_shown_with_a_borrowed_secret_and_names_no_value() -> None:
    outcome = _run({"count": "{{secrets.N}}"})
    assert isinstance(outcome, Failed) and outcome.retries == 0
    assert outcome.message.startswith("Found constraints violated while validating input:\n")
    assert " - Property: count: Validation failed. Original message: " in outcome.message
    assert "many" not in outcome.message and "not shown" not in outcome.message


def test_feel_texts_in_loose_fields_are_evaluated_by_the_hub() -> None:
    outcome = _run({"count": "=1 + 2", "text": '="a" + "b"'})
    assert isinstance(outcome, Completed)
    assert StoredOutcome.from_outcome(outcome).response == {"count": 3, "text": "ab"}
