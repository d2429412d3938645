"""Every template of the pinned corpus that carries a `Configuration` property (Camunda 8.10:
AWS, email, REST/GraphQL/HTTP polling, SQL, Kafka and Slack; outbound and inbound): its embedded
configuration template draws as a credential form (secret fields as password fields), and a
chosen credential reaches the job (outbound: the input evaluates to the marker, no value) and
the BPMN export exactly as the Modeler writes it; and for the connectors this hub implements
(REST, GraphQL, email, SQL, Kafka), every version that binds one builds a job whose credential
object, once expanded as the worker does, our connector binds and reads."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from connectorhub_sdk.binding import bind_input

from connectors.builtin.email.account import account_authentication, account_server
from connectors.builtin.email.connector import email
from connectors.builtin.http.graphql import graphql
from connectors.builtin.http.rest import effective_auth, effective_url, rest
from connectors.builtin.jdbc import connection, jdbc
from connectors.builtin.kafka import _connection as kafka_connection
from connectors.builtin.kafka import kafka
from connectors.configure import build_form
from connectors.credentials.definitions import as_template, secret_keys, shape
from connectors.credentials.references import expand, marker
from connectors.elementtemplates import ElementTemplate, active_properties, field_key, prepare_job
from connectors.export.bpmn import BpmnExportError, template_bpmn
from tests.builtin.conftest import values_for
from tests.elementtemplates.corpus import corpus_templates

ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"
WITH_CONFIGURATION = [t for t in corpus_templates() if t.get("configurationTemplates")]


def label(raw: dict[str, Any]) -> str:
    return f"{raw['id']}-v{raw.get('version')}"


def test_the_corpus_has_the_templates_the_issue_names() -> None:
    ids = {c["id"] for t in WITH_CONFIGURATION for c in t["configurationTemplates"]}
    assert ids == {
        "io.camunda:aws-credential:1",
        "io.camunda.connectors:email-account:1",
        "io.camunda.connectors:email-account-imap:1",
        "io.camunda.connectors:rest-authentication:1",
        "io.camunda.connectors:jdbc-connection:1",
        "io.camunda.connectors:kafka-connection:1",
        "io.camunda.connectors:slack-signing-secret:1",
        "io.camunda.connectors:slack-token:1",
    }
    assert len(WITH_CONFIGURATION) >= 38


@pytest.mark.parametrize("raw", WITH_CONFIGURATION, ids=label)
def test_each_configuration_template_draws_as_a_credential_form(raw: dict[str, Any]) -> None:
    for definition in raw["configurationTemplates"]:
        template = as_template(definition)
        form = build_form(template, {})
        drawn = {f.key: f for f in form.fields}
        assert drawn, definition["id"]
        for key in secret_keys(template) & set(drawn):
            assert drawn[key].masked, (definition["id"], key)


@pytest.mark.parametrize("raw", WITH_CONFIGURATION, ids=label)
def test_a_chosen_credential_reaches_the_job_and_the_export(raw: dict[str, Any]) -> None:
    template = ElementTemplate.from_dict(raw)
    (prop,) = [p for p in template.properties if p.type == "Configuration"]
    values = {field_key(prop): "=camunda.vars.env.team_cred"}

    prepared = prepare_job(template, values, {})

    assert field_key(prop) not in prepared.errors, prepared.errors
    name = prop.binding.name or ""
    if prop.binding.type == "zeebe:input":
        node: Any = prepared.job.variables
        for part in name.split("."):
            node = node[part]
        assert node == marker("team_cred")
    else:  # inbound: a zeebe:property, read by the inbound runtime as written
        assert prepared.job.properties[name] == "=camunda.vars.env.team_cred"
    try:
        xml = template_bpmn(template, values)
    except BpmnExportError:
        return  # boundary events and the like: applied in the Modeler, not by this export
    tag = "input" if prop.binding.type == "zeebe:input" else "property"
    key = "target" if tag == "input" else "name"
    (written,) = [e for e in ET.fromstring(xml).iter(f"{ZEEBE}{tag}") if e.get(key) == name]
    assert written.get("modelerConfigurationTemplate") == prop.configuration_template
    assert written.get("modelerConfigurationName") == "team_cred"
    assert written.get("source" if tag == "input" else "value") == "=camunda.vars.env.team_cred"


# A filled credential of each configuration template our connectors read (secret fields plain:
# the runtime's secrets phase has replaced their references by the time a connector binds)
SAMPLES: dict[str, dict[str, Any]] = {
    "io.camunda.connectors:rest-authentication:1": {
        "authentication.type": "bearer",
        "authentication.token": "t0k",
        "url": "https://api.example.org/orders",
    },
    "io.camunda.connectors:email-account:1": {
        "protocol": "smtp",
        "username": "ada",
        "password": "pw",
        "smtpHost": "mail.example.org",
        "smtpPort": 587,
        "smtpCryptographicProtocol": "TLS",
    },
    "io.camunda.connectors:jdbc-connection:1": {
        "database": "MARIADB",
        "host": "db.example.org",
        "port": "3306",
        "databaseName": "orders",
        "username": "ada",
        "password": "pw",
    },
    "io.camunda.connectors:kafka-connection:1": {
        "bootstrapServers": "broker.example.org:9093",
        "username": "ada",
        "password": "pw",
    },
}
# the task's own required fields, as a user fills them in next to the credential
TASK_VALUES = {
    "url": "https://inline.example.org/orders",  # v16-17: the URL is not hidden by a credential
    "graphql.url": "https://inline.example.org/graphql",
    "graphql.query": "{ orders { id } }",
    "data.smtpActionDiscriminator": "sendEmailSmtp",
    "data.smtpAction.from": "ada@example.org",
    "data.smtpAction.to": "bob@example.org",
    "data.smtpAction.subject": "Hi",
    "data.smtpAction.body": "Hello",
    "connection.uri": "jdbc:postgresql://inline.example.org:5432/x",
    "data.query": "select 1",
    "database": "POSTGRESQL",  # v4-5: the engine is the task's; v6 hides it with a credential
    "topic.topicName": "orders",
    "message.key": "k",
    "message.value": "v",
}
READ_HERE = [
    raw
    for raw in WITH_CONFIGURATION
    if raw["configurationTemplates"][0]["id"] in SAMPLES
    and any(p.get("type") == "Configuration" and p["binding"]["type"] == "zeebe:input"
            for p in raw["properties"])
]  # fmt: skip


def _with_credential(raw: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The job the template builds with the credential chosen, its marker replaced by the
    credential's object as the worker does, bound to our connector's input."""
    template = ElementTemplate.from_dict(raw)
    (definition,) = raw["configurationTemplates"]
    (prop,) = [p for p in template.properties if p.type == "Configuration"]
    task = dict(TASK_VALUES)
    if any(p.get("id") == "urlOverride" for p in raw["properties"]):
        del task["url"], task["graphql.url"]  # v18 / v13: the credential brings the URL
    values = values_for(template, {**task, prop.binding.name or "": "=camunda.vars.env.team_cred"})
    shown = {field_key(p) for p in active_properties(template, values)}
    prepared = prepare_job(template, {k: v for k, v in values.items() if k in shown}, {})
    assert not prepared.errors, prepared.errors
    job = prepared.job
    sample = SAMPLES[definition["id"]]
    fields = as_template(definition)
    variables = expand(dict(job.variables), lambda name: shape(name, fields, sample, set()))
    by_type = {c.type: c for c in (rest, graphql, email, jdbc, kafka)}
    return bind_input(by_type[job.type], variables), sample


@pytest.mark.parametrize("raw", READ_HERE, ids=label)
def test_our_connectors_read_the_credential_of_every_version_that_binds_one(
    raw: dict[str, Any],
) -> None:
    bound, sample = _with_credential(raw)
    kind = raw["configurationTemplates"][0]["id"].split(":")[1]
    overridden = any(p.get("id") == "urlOverride" for p in raw["properties"])
    if kind == "rest-authentication":
        inline = bound.graphql.url if hasattr(bound, "graphql") else bound.url
        url = effective_url(inline, bound.authenticationConfiguration, "url")
        assert url == (sample["url"] if overridden else inline)
        auth = effective_auth(bound.authentication, bound.authenticationConfiguration)
        assert (auth.type, auth.token) == ("bearer", "t0k")
    elif kind == "email-account":
        account = bound.emailAccountConfiguration
        assert account_authentication(account).password == "pw"
        assert account_server(account, bound.protocol).smtpHost == "mail.example.org"
    elif kind == "jdbc-connection":
        target = connection.from_configuration(bound.database, bound.configuration)
        assert target is not None and (target.host, target.port) == ("db.example.org", 3306)
        with_engine = "database" in {
            p["id"] for p in raw["configurationTemplates"][0]["properties"]
        }
        assert target.protocol == ("mysql" if with_engine else "postgresql")
    else:
        servers, username, _ = kafka_connection(bound)
        assert (servers, username) == ("broker.example.org:9093", "ada")


IMAP_ACCOUNT = [
    raw
    for raw in WITH_CONFIGURATION
    if raw["configurationTemplates"][0]["id"] == "io.camunda.connectors:email-account-imap:1"
]


@pytest.mark.parametrize("raw", IMAP_ACCOUNT, ids=label)
def test_the_inbound_imap_account_reads_as_an_imap_server(raw: dict[str, Any]) -> None:
    """The email inbound templates' account (no protocol field, the port as text) gives the
    login and IMAP server an inbound email connector reads (Camunda's
    EmailInboundConnectorProperties#getImapConfiguration)."""

    (definition,) = raw["configurationTemplates"]
    given = {"username": "ada", "password": "pw", "imapHost": "imap.example.org"}
    account = shape("team_imap", as_template(definition), given, set())

    server = account_server(account, "imap")
    assert (server.imapHost, server.imapPort, server.imapCryptographicProtocol) == (
        "imap.example.org",
        993,
        "TLS",
    )
    assert account_authentication(account).username == "ada"
