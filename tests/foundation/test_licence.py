"""Camunda's templates on npm are under the Camunda License 1.0 (non-production use only):
the README and the catalogue's import box say so, and how to turn the seeding off."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parents[2]
PACKAGE_LICENSE = BASE_DIR / "tests/js/node_modules/@camunda/connectors-element-templates/LICENSE"


def test_the_seeded_package_is_under_the_camunda_license() -> None:
    if not PACKAGE_LICENSE.exists():
        pytest.skip("tests/js/node_modules is not installed")
    assert PACKAGE_LICENSE.read_text().startswith("Camunda License 1.0")


def test_readme_states_the_licence_and_how_to_turn_seeding_off() -> None:
    paragraphs = [" ".join(p.split()) for p in (BASE_DIR / "README.md").read_text().split("\n\n")]
    paragraph = next((p for p in paragraphs if p.startswith("Licence:")), "")
    assert "non-production" in paragraph
    assert "CONNECTORHUB_SKIP_SEED=true" in paragraph
    assert re.search(r"catalogue (then )?starts with the built-in connectors only", paragraph)


@pytest.mark.django_db
def test_import_box_states_the_licence(client: Client, django_user_model: Any) -> None:
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-long-123")
    client.force_login(admin)
    page = " ".join(client.get(reverse("catalogue")).content.decode().split())
    assert "Camunda License 1.0" in page
    assert "non-production use only" in page
