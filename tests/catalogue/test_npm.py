"""Seeding from a published npm package, through a real registry server on 127.0.0.1."""

import pytest
from django.core.management import CommandError, call_command

from connectorhub.localredis import free_port
from connectors.catalogue.npm import NpmFetchError, fetch_package_templates, parse_spec
from connectors.models import CatalogueEntry, TemplateVersion
from tests.elementtemplates.corpus import CORPUS_PACKAGE
from tests.services.npm_registry import LocalNpmRegistry

PACKAGE = "@camunda/connectors-element-templates"


@pytest.fixture
def registry(settings):
    server = LocalNpmRegistry().start()
    server.publish(PACKAGE, "1.0.29", CORPUS_PACKAGE)
    settings.CONNECTORHUB_NPM_REGISTRY = server.url
    yield server
    server.stop()


def test_fetch_reads_only_template_files_from_the_tarball(registry):
    files = fetch_package_templates(f"{PACKAGE}@1.0.29")

    assert len(files) == 131
    assert all(name.startswith(f"{PACKAGE}@1.0.29/src/element-templates/") for name, _ in files)
    assert registry.requests[0] == f"/{PACKAGE}/1.0.29"


def test_tarball_that_does_not_match_its_integrity_is_refused(registry):
    registry.corrupt.add((PACKAGE, "1.0.29"))

    with pytest.raises(NpmFetchError, match="does not match its sha512 integrity"):
        fetch_package_templates(f"{PACKAGE}@1.0.29")


def test_unknown_package_and_bad_spec_are_named(registry):
    with pytest.raises(NpmFetchError, match=r"has no package @camunda/nothing@1\.0\.0"):
        fetch_package_templates("@camunda/nothing@1.0.0")
    with pytest.raises(NpmFetchError, match="is not an npm package spec"):
        parse_spec("not a spec!")


def test_unreachable_registry_is_said_clearly(settings):
    settings.CONNECTORHUB_NPM_REGISTRY = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(NpmFetchError, match="cannot reach the npm registry"):
        fetch_package_templates(f"{PACKAGE}@1.0.29")


@pytest.mark.django_db
def test_import_command_with_npm(registry, capsys):
    call_command("import_templates", "--npm", f"{PACKAGE}@1.0.29")

    assert "693 imported" in capsys.readouterr().out
    assert TemplateVersion.objects.count() == 693


@pytest.mark.django_db
def test_seed_imports_once_and_tolerates_an_unreachable_registry(registry, settings, capsys):
    settings.CONNECTORHUB_SEED_PACKAGES = [f"{PACKAGE}@1.0.29"]
    call_command("seed_catalogue")
    call_command("seed_catalogue")
    out = capsys.readouterr().out
    assert "693 imported" in out
    assert "already seeded" in out

    CatalogueEntry.objects.all().delete()
    settings.CONNECTORHUB_NPM_REGISTRY = f"http://127.0.0.1:{free_port()}"
    call_command("seed_catalogue")
    assert "starts with the built-in connectors only" in capsys.readouterr().err


@pytest.mark.django_db
def test_import_command_reports_registry_errors(settings):
    settings.CONNECTORHUB_NPM_REGISTRY = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(CommandError, match="cannot reach the npm registry"):
        call_command("import_templates", "--npm", f"{PACKAGE}@1.0.29")
