"""DryRunSecretPolicy: plain Python, checked before any value is looked up."""

from __future__ import annotations

import pytest
from connectorhub_sdk import connector
from pydantic import BaseModel

from connectors.builtin.noop import noop
from connectors.secrets import (
    ChainSecretProvider,
    DryRunSecretPolicy,
    MappingSecretProvider,
    SecretError,
    SecretUseRefused,
    resolve_references,
)

VALUES = MappingSecretProvider({"TOKEN": "t0k3n-value", "OTHER": "other-value"})


class Lookups(MappingSecretProvider):
    """A mapping provider that remembers which names it was asked for."""

    def __init__(self) -> None:
        super().__init__({"TOKEN": "t0k3n-value"})
        self.asked: list[str] = []

    def get(self, name: str) -> str | None:
        self.asked.append(name)
        return super().get(name)


def test_a_connector_that_does_not_accept_secrets_gets_none() -> None:
    inner = Lookups()
    policy = DryRunSecretPolicy(inner, connector_accepts_secrets=False, user_may_use=lambda n: None)
    with pytest.raises(SecretUseRefused) as refused:
        resolve_references({"echo": "{{secrets.TOKEN}}"}, policy)
    assert str(refused.value) == (
        "Secret 'TOKEN' may not be used in this dry-run: the connector does not accept secrets "
        "(it hands its input back, so the value would be shown in the run)"
    )
    assert isinstance(refused.value, SecretError)  # the runtime's input-error path
    assert inner.asked == []  # refused before the lookup


def test_the_rule_names_the_reason_and_allows_the_rest() -> None:
    def rule(name: str) -> str | None:
        return "it is not yours" if name == "OTHER" else None

    policy = DryRunSecretPolicy(VALUES, connector_accepts_secrets=True, user_may_use=rule)
    assert resolve_references("{{secrets.TOKEN}}", policy).value == "t0k3n-value"
    with pytest.raises(SecretUseRefused, match=r"'OTHER' may not be used .*: it is not yours"):
        resolve_references("{{secrets.OTHER}}", policy)
    assert policy.get("MISSING") is None  # a missing secret stays the runtime's to report


def test_host_lists_and_descriptions_pass_through_and_repr_shows_no_value() -> None:
    class Hosts(MappingSecretProvider):
        def allowed_hosts(self, name: str) -> list[str]:
            return ["api.example.com"]

    chain = ChainSecretProvider([Hosts({"TOKEN": "t0k3n-value"})])
    policy = DryRunSecretPolicy(chain, connector_accepts_secrets=True, user_may_use=lambda n: None)
    assert policy.allowed_hosts("TOKEN") == ["api.example.com"]
    assert policy.describe("TOKEN") == "looked in: mapping"
    assert "t0k3n-value" not in repr(policy)


def test_connectors_declare_whether_they_accept_secrets() -> None:
    class Empty(BaseModel):
        pass

    def function(data: Empty, context: object) -> None:
        return None

    assert noop.accepts_secrets is False  # it returns its input
    assert connector(type="a:b:1", name="B", input=Empty)(function).accepts_secrets is True
    echo = connector(type="a:echo:1", name="Echo", input=Empty, accepts_secrets=False)(function)
    assert echo.accepts_secrets is False
    with pytest.raises(TypeError, match="accepts_secrets must be True or False"):
        connector(type="a:c:1", name="C", input=Empty, accepts_secrets="no")(function)  # type: ignore[arg-type]
