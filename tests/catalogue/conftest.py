"""Catalogue fixtures: real corpus templates, imported through the real service."""

import json

import pytest
from django.contrib.auth.models import Group, Permission
from rest_framework.authtoken.models import Token

from connectors.catalogue.importing import import_documents
from connectors.models import ImportSource
from tests.conftest import PASSWORD
from tests.elementtemplates.corpus import CORPUS_DIR, corpus_files

REST_FILE = CORPUS_DIR / "http-json-connector.json"
SMALL_SELECTION = [
    "http-json-connector.json",
    "graphql-outbound-connector.json",
    "soap-outbound-connector.json",
    "sendgrid-outbound-connector.json",
    "slack-outbound-connector.json",
]


def read(path):
    return path.name, path.read_bytes()


@pytest.fixture
def rest_templates():
    return json.loads(REST_FILE.read_text())


@pytest.fixture
def small_catalogue(db):
    """A handful of real connectors, enough to search and filter."""
    files = [CORPUS_DIR / name for name in SMALL_SELECTION if (CORPUS_DIR / name).exists()]
    assert len(files) >= 3, sorted(p.name for p in corpus_files())[:50]
    report = import_documents([read(p) for p in files], source=ImportSource.COMMAND)
    assert not report.failed, report.failed
    return report


@pytest.fixture
def importer(django_user_model):
    """A user who may import, through a group holding the permission (as docs/ says to grant it)."""
    group = Group.objects.create(name="Template importers")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="connectors", codename="import_templates")
    )
    user = django_user_model.objects.create_user("imogen", "imogen@example.com", PASSWORD)
    user.groups.add(group)
    return user


@pytest.fixture
def importer_client(client, importer):
    client.force_login(importer)
    return client


@pytest.fixture
def importer_api(client, importer):
    """The API as the importer, with a token (a client of its own is not needed: tokens win)."""
    token = Token.objects.create(user=importer)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client
