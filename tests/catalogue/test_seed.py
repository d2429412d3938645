"""`seed_catalogue`: the registered Python connectors always; npm only when asked and needed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from connectorhub.localredis import free_port
from connectors.models import CatalogueEntry, ConnectorKind
from connectors.registry import default_registry


def builtin_template_ids() -> set[str]:
    registry = default_registry()
    return {
        str(c.element_template()["id"])
        for c in registry.all()
        if registry.source_of(c.type).startswith("builtin:")
    }


@pytest.mark.django_db
def test_no_npm_adds_the_builtins_without_contacting_the_registry(
    settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # A registry nobody listens on: contacting it would print an error.
    settings.CONNECTORHUB_NPM_REGISTRY = f"http://127.0.0.1:{free_port()}"
    settings.CONNECTORHUB_SEED_PACKAGES = ["@camunda/connectors-element-templates@1.0.29"]

    call_command("seed_catalogue", "--no-npm")

    builtins = set(
        CatalogueEntry.objects.filter(kind=ConnectorKind.BUILTIN).values_list(
            "template_id", flat=True
        )
    )
    assert builtins and builtins == builtin_template_ids()
    assert not CatalogueEntry.objects.filter(kind=ConnectorKind.TEMPLATE).exists()
    out, err = capsys.readouterr()
    assert err == "" and "npm" not in out
    assert "added or updated" in out

    call_command("seed_catalogue", "--no-npm")
    assert "all up to date" in capsys.readouterr().out
