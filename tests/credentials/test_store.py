"""Named credentials: stored with their secret fields encrypted, write-only over REST and on the
page, checked against their configuration template (conditions, dropdowns, constraints), owned,
audited, and re-encrypted by a key rotation."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import call_command
from rest_framework.test import APIClient

from connectors.credentials.services import NotCredentialOwner, credential_delete, credential_save
from connectors.models import Credential, SecretAuditEvent
from tests.credentials.conftest import AWS_CREDENTIAL, aws_credential, aws_definition

pytestmark = pytest.mark.django_db

SECRET = "Credential-Secret-Key-never-shown-7"


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def new(user: Any, name: str = "prod_aws") -> Credential:
    return aws_credential(user, name, access_key="AKIACREDENTIAL00007", secret_key=SECRET,
                          region="eu-west-1")  # fmt: skip


def test_secret_fields_are_encrypted_and_plain_fields_are_kept(user: Any) -> None:
    credential = new(user)

    row = Credential.objects.filter(pk=credential.pk).values().get()
    assert row["values"] == {"authentication.type": "credentials", "region": "eu-west-1"}
    assert set(row["encrypted_values"]) == {"authentication.accessKey", "authentication.secretKey"}
    assert SECRET not in json.dumps(row, default=str)
    assert row["template_id"] == AWS_CREDENTIAL and row["template_version"] == 2


def test_conditions_drop_inactive_fields_and_constraints_name_the_field(user: Any) -> None:
    chain = credential_save(
        definition=aws_definition(),
        name="chain",
        values={"authentication.type": "defaultCredentialsChain",
                "authentication.secretKey": SECRET, "region": "eu-west-1"},
        user=user,
    )  # fmt: skip
    assert chain.encrypted_values == {}  # the key fields are hidden for the chain

    with pytest.raises(ValidationError) as refused:
        credential_save(
            definition=aws_definition(),
            name="bad-name",
            values={"authentication.type": "sometimes"},
            user=user,
        )
    errors = refused.value.message_dict
    assert "letters, digits and _" in errors["name"][0]
    assert errors["authentication.type"] == ["is not one of the choices"]
    with pytest.raises(ValidationError) as refused:
        credential_save(
            definition=aws_definition(),
            name="keys",
            values={"authentication.type": "credentials", "authentication.accessKey": "A"},
            user=user,
        )
    assert list(refused.value.message_dict) == ["authentication.secretKey"]


def test_a_change_keeps_a_secret_left_out_and_only_the_owner_may_change(
    user: Any, other_user: Any
) -> None:
    credential = new(user)
    token = credential.encrypted_values["authentication.secretKey"]

    changed = credential_save(
        definition=aws_definition(), name="prod_aws", credential=credential, user=user,
        values={"authentication.type": "credentials", "region": "us-east-1"},
    )  # fmt: skip
    assert changed.encrypted_values["authentication.secretKey"] == token
    assert changed.values["region"] == "us-east-1"
    with pytest.raises(ValidationError, match="cannot be renamed"):
        credential_save(definition=aws_definition(), name="renamed", credential=changed,
                        user=user, values={"region": "us-east-1"})  # fmt: skip
    with pytest.raises(NotCredentialOwner) as denied:
        credential_delete(credential=changed, user=other_user)
    assert "belongs to ada" in str(denied.value)
    credential_delete(credential=changed, user=user)
    actions = list(
        SecretAuditEvent.objects.filter(secret_name="credential:prod_aws").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["change", "create", "delete"]


def test_the_api_never_returns_a_secret_field(user: Any, other_user: Any, sqs_version: Any) -> None:
    body = {
        "name": "api_aws",
        "template_id": AWS_CREDENTIAL,
        "values": {"authentication.type": "credentials", "authentication.accessKey": "AKIA1",
                   "authentication.secretKey": SECRET, "region": "eu-west-1"},
    }  # fmt: skip
    created = api(user).post("/api/v1/credentials/", body, format="json")
    assert created.status_code == 201, created.json()
    listed = api(other_user).get("/api/v1/credentials/")
    detail = api(user).get("/api/v1/credentials/api_aws/")
    for response in (created, listed, detail):
        assert SECRET not in response.content.decode()
    shown = detail.json()
    assert shown["secrets_set"] == ["authentication.accessKey", "authentication.secretKey"]
    assert shown["values"] == {"authentication.type": "credentials", "region": "eu-west-1"}
    assert shown["reference"] == "=camunda.vars.env.api_aws"

    refused = api(other_user).delete("/api/v1/credentials/api_aws/")
    assert refused.status_code == 403
    bad = api(user).post("/api/v1/credentials/", {**body, "name": "x y"}, format="json")
    assert bad.status_code == 400 and "name" in bad.json()
    patched = api(user).patch(
        "/api/v1/credentials/api_aws/", {"description": "prod"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["secrets_set"] == shown["secrets_set"]
    templates = api(user).get("/api/v1/credentials/templates/").json()
    assert [t["id"] for t in templates] == [AWS_CREDENTIAL]


def test_a_secret_reference_in_a_secret_field_stays_a_reference(user: Any) -> None:
    credential = aws_credential(
        user, access_key="{{secrets.AWS_KEY}}", secret_key="{{secrets.AWS_SECRET}}",
        region="eu-west-1",
    )  # fmt: skip
    assert credential.values["authentication.secretKey"] == "{{secrets.AWS_SECRET}}"
    assert credential.encrypted_values == {}


def test_key_rotation_re_encrypts_credentials(user: Any, settings: Any) -> None:
    old = Fernet.generate_key().decode()
    settings.CONNECTORHUB_SECRETS_KEY = old
    credential = new(user)
    fresh = Fernet.generate_key().decode()
    settings.CONNECTORHUB_SECRETS_KEY = f"{fresh},{old}"
    out = StringIO()

    call_command("rotate_secrets_key", stdout=out)

    assert "Re-encrypted the secret fields of 1 credential(s)." in out.getvalue()
    token = Credential.objects.get(pk=credential.pk).encrypted_values["authentication.secretKey"]
    assert Fernet(fresh).decrypt(token.encode()).decode() == SECRET
