"""Fixtures for named credentials: Camunda's SQS template in the catalogue (its Hidden endpoint
made a field shown with a credential too, as a user pointing it at another endpoint edits it),
its embedded AWS credential template, and the session's moto (tests/services/moto.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.catalogue.importing import import_documents
from connectors.credentials.services import credential_save
from connectors.models import Credential, ImportSource, TemplateVersion
from tests.aws.conftest import SQS, moto, moto_session  # noqa: F401  (the session's moto)
from tests.elementtemplates.corpus import corpus_template
from tests.services.moto import Moto

AWS_CREDENTIAL = "io.camunda:aws-credential:1"


def sqs_raw() -> dict[str, Any]:
    raw = corpus_template(SQS[1], SQS[2])
    for prop in raw["properties"]:
        if prop.get("binding", {}).get("name") == "configuration.endpoint":
            prop["type"] = "String"
            prop.pop("condition")  # Camunda writes no endpoint once a credential is chosen
    return raw


def aws_definition() -> dict[str, Any]:
    (definition,) = sqs_raw()["configurationTemplates"]
    assert definition["id"] == AWS_CREDENTIAL
    return definition


@pytest.fixture
def sqs_version(db: None) -> TemplateVersion:
    report = import_documents(
        [("aws-sqs.json", json.dumps(sqs_raw()).encode())], source=ImportSource.COMMAND
    )
    assert not report.failed, report.failed
    return TemplateVersion.objects.get(entry__template_id=SQS[1], version=SQS[2])


def aws_credential(
    user: Any, name: str = "moto_aws", *, access_key: str, secret_key: str, region: str
) -> Credential:
    return credential_save(
        definition=aws_definition(),
        name=name,
        values={
            "authentication.type": "credentials",
            "authentication.accessKey": access_key,
            "authentication.secretKey": secret_key,
            "region": region,
        },
        user=user,
    )


def moto_credential(user: Any, moto: Moto, name: str = "moto_aws") -> Credential:  # noqa: F811
    return aws_credential(
        user, name, access_key=moto.access_key, secret_key=moto.secret_key, region=moto.region
    )


def sqs_values(moto: Moto, url: str, name: str = "moto_aws") -> dict[str, Any]:  # noqa: F811
    """The configure form's values: the credential chosen as the Modeler writes it."""
    return {
        "awsCredential": f"=camunda.vars.env.{name}",
        "configuration.endpoint": moto.endpoint,
        "queue.url": url,
        "queue.type": "standard",
        "queue.messageBody": '={"order": 42}',
        "resultVariable": "result",
    }
