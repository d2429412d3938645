"""What a connector returns reaches the process as plain JSON (other Python types converted or
refused), and what it receives is the job's variables with every secret reference resolved, at
any depth, in a copy of its own."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

import pytest
from connectorhub_sdk import JSON, ConnectorContext, connector
from pydantic import BaseModel

from connectors.registry import Registry
from connectors.runs.stored import StoredOutcome
from connectors.runtime import Completed, Failed, JobRequest, run_job
from connectors.secrets import MappingSecretProvider

from .conftest import SECRETS

RETURNED: dict[str, Any] = {}


class Level(enum.IntEnum):
    HIGH = 3


class Point(BaseModel):
    x: int
    label: str = "p"


class Text(str):
    pass


class AnyInput(BaseModel):
    value: Any = None
    mutate: bool = False


@connector(type="test:returns:1", name="Returns", input=AnyInput)
def returns(data: AnyInput, context: ConnectorContext) -> Any:
    """Returns RETURNED[data.value] (a Python object no job variable could hold)."""
    return RETURNED[data.value]


@connector(type="test:echo:1", name="Echo", input=AnyInput)
def echo(data: AnyInput, context: ConnectorContext) -> JSON:
    """Returns its input; with `mutate`, changes it first (a careless connector)."""
    if data.mutate:
        data.value["changed"] = True
        data.value["items"].append("added")
    value: JSON = data.value
    return value


@pytest.fixture(scope="module")
def registry() -> Registry:
    registry = Registry()
    registry.register(returns, "builtin:tests.runtime.values")
    registry.register(echo, "builtin:tests.runtime.values")
    return registry


def run(registry: Registry, job_type: str, variables: dict[str, Any]) -> Any:
    job = JobRequest(job_type, variables, {"resultVariable": "r"})
    return run_job(job, secrets=MappingSecretProvider(SECRETS), registry=registry)


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        ({"a": [1, 2.5, "x", True, None], "b": {}}, {"a": [1, 2.5, "x", True, None], "b": {}}),
        ({"t": (1, (2, 3))}, {"t": [1, [2, 3]]}),
        ({"deep": [{"ok": 1}, {"in": (1,)}]}, {"deep": [{"ok": 1}, {"in": [1]}]}),
        ({3: "int", None: "null", True: "bool"}, {"3": "int", "null": "null", "true": "bool"}),
        ({"d": Decimal("1.50"), "whole": Decimal("2")}, {"d": 1.5, "whole": 2}),
        ({"m": Point(x=1)}, {"m": {"x": 1, "label": "p"}}),
        ({"s": Text("sub"), Text("k"): Level.HIGH}, {"s": "sub", "k": 3}),
        ((1, "two"), [1, "two"]),
    ],
    ids=["plain", "tuples", "deep-tuple", "keys", "decimals", "model", "subclasses", "top-tuple"],
)
def test_results_of_other_python_types_reach_the_process_as_json(
    registry: Registry, returned: Any, expected: JSON
) -> None:
    RETURNED["it"] = returned
    outcome = run(registry, "test:returns:1", {"value": "it"})
    assert isinstance(outcome, Completed), outcome
    assert outcome.variables == {"r": expected}
    assert StoredOutcome.from_outcome(outcome).response == expected


@pytest.mark.parametrize(
    ("returned", "said"),
    [
        ({"ok": [1, {"no": object()}]}, "a value that is not JSON: object"),
        ({(1, 2): "x"}, "a dict key that is not a string: (1, 2)"),
        ({1, 2}, "a value that is not JSON: set"),
    ],
    ids=["deep-object", "tuple-key", "set"],
)
def test_a_result_that_is_not_json_fails_and_says_what_it_is(
    registry: Registry, returned: Any, said: str
) -> None:
    RETURNED["it"] = returned
    outcome = run(registry, "test:returns:1", {"value": "it"})
    assert isinstance(outcome, Failed)
    assert outcome.variables is not None
    error = outcome.variables["error"]
    assert error["type"] == "com.fasterxml.jackson.databind.JsonMappingException"
    assert error["message"] == f"The connector returned {said}"


def test_secret_references_are_resolved_at_every_depth_and_in_keys(registry: Registry) -> None:
    variables = {
        "value": {
            "list": [["{{secrets.TOKEN}}", 1, 2.5, None, False], {"in": "secrets.USER"}],
            "{{ secrets.USER }}": "as a key",
            "plain": "no reference here",
        }
    }
    outcome = run(registry, "test:echo:1", variables)
    assert isinstance(outcome, Completed), outcome
    assert outcome.variables["r"] == {
        "list": [[SECRETS["TOKEN"], 1, 2.5, None, False], {"in": SECRETS["USER"]}],
        SECRETS["USER"]: "as a key",
        "plain": "no reference here",
    }
    assert outcome.trace.secrets_used == ["TOKEN", "USER"]


def test_a_connector_that_changes_its_input_leaves_the_job_unchanged(registry: Registry) -> None:
    variables = {"value": {"items": ["a"], "nested": {"k": "v"}}, "mutate": True}
    before = repr(variables)
    first = run(registry, "test:echo:1", variables)
    assert isinstance(first, Completed)
    assert first.variables["r"] == {"items": ["a", "added"], "nested": {"k": "v"}, "changed": True}
    assert repr(variables) == before
    again = run(registry, "test:echo:1", variables)  # a retry of the same job sees the same input
    assert isinstance(again, Completed)
    assert again.variables == first.variables
