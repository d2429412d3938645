"""bind_input and the loose types: Camunda's binding of job variables, without the hub."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from connectorhub_sdk import InputBindingError, bind_input, connector, types
from connectorhub_sdk.references import find_references, replace_references
from connectorhub_sdk.types import FeelTextMap, Flag, OptionalInt, Text
from pydantic import BaseModel


class Bearer(BaseModel):
    type: Literal["bearer"]
    token: str


class Basic(BaseModel):
    type: Literal["basic"]
    username: str


class LooseInput(BaseModel):
    headers: FeelTextMap = None
    timeout: OptionalInt = None
    verbose: Flag = False
    name: Text
    authentication: Bearer | Basic | None = None


loose = connector(type="test:loose:1", name="Loose", input=LooseInput)(lambda data, ctx: None)


def test_loose_values_bind_as_camunda_binds_them() -> None:
    data = bind_input(loose, {"headers": '{"a": 1}', "timeout": " ", "verbose": "TRUE", "name": 7})
    assert data.model_dump(exclude={"authentication"}) == {
        "headers": {"a": "1"},
        "timeout": None,
        "verbose": True,
        "name": "7",
    }


def test_problems_are_listed_by_input_path_without_values() -> None:
    with pytest.raises(InputBindingError) as caught:
        bind_input(
            loose,
            {"name": None, "authentication": {"type": "bearer", "token": None}, "headers": "[1]"},
        )
    message = caught.value.message
    assert message.startswith("Found constraints violated while validating input:\n")
    assert " - Property: name: Validation failed. Original message: must not be empty" in message
    assert " - Property: authentication.token: Validation failed." in message
    assert "headers: Validation failed. Original message: Value error, must be a map" in message
    assert caught.value.field == "headers"  # the first problem, in field order
    assert InputBindingError.names_no_value is True


def test_paths_come_from_the_typed_variables() -> None:
    with pytest.raises(InputBindingError) as caught:
        bind_input(loose, {"name": "x", "timeout": "many"}, typed={"timeout": "{{secrets.T}}"})
    assert "Property: timeout" in caught.value.message and "many" not in caught.value.message


def test_references_are_found_and_replaced_in_keys_and_values() -> None:
    value = {"{{secrets.K}}": ["a secrets.V b", {"x": "{{ secrets.W }}"}], "n": 1}
    assert find_references(value) == {"K", "V", "W"}
    assert replace_references(value, str.lower) == {"k": ["a v b", {"x": "w"}], "n": 1}


@pytest.fixture
def no_feel_engine() -> Iterator[None]:
    """The SDK alone: no FEEL engine (the hub installs one when it is imported in this process)."""
    installed = types._feel_engine
    types.use_feel_engine(None)
    yield
    types.use_feel_engine(installed)


@pytest.mark.usefixtures("no_feel_engine")
def test_without_a_feel_engine_a_feel_text_is_refused_saying_why() -> None:
    with pytest.raises(InputBindingError) as caught:
        bind_input(loose, {"name": "x", "timeout": "=1 + 2"})
    assert "Property: timeout: Validation failed" in caught.value.message
    assert "no FEEL engine is installed" in caught.value.message


@pytest.mark.usefixtures("no_feel_engine")
def test_an_installed_feel_engine_reads_feel_texts() -> None:
    types.use_feel_engine(lambda expression: {"1 + 2": 3}[expression])
    assert bind_input(loose, {"name": "x", "timeout": "=1 + 2"}).timeout == 3
