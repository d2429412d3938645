"""`io.camunda:email:1`, Camunda's email connector (outbound), drop-in for every version of
its template: the `protocol` variable chooses SMTP, IMAP or POP3 and `data` carries that
protocol's server settings and action. SMTP send and the IMAP actions run here; POP3 is refused
with a message that says so (docs/email-connector.md)."""

from __future__ import annotations

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector

from . import imap, smtp
from .model import Authentication, EmailInput, ImapAction


@connector(
    type="io.camunda:email:1",
    name="Email Connector",
    input=EmailInput,
    description="Send email over SMTP; runs Camunda's official email templates unchanged.",
    documentation_ref=(
        "https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/email/"
    ),
)
def email(data: EmailInput, context: ConnectorContext) -> JSON:
    """Run the action of the chosen protocol and return Camunda's result shape."""
    if data.emailAccountConfiguration not in (None, "", {}):
        raise ConnectorInputError(
            "shared email account configurations are not available in this hub; "
            "set the server and authentication fields instead",
            field="emailAccountConfiguration",
        )
    if data.authentication is None:
        raise ConnectorInputError("must not be null", field="authentication")
    if data.protocol == "imap":
        return _imap(data, data.authentication, context)
    if data.protocol == "smtp":
        return _smtp(data, data.authentication, context)
    raise ConnectorInputError(
        f"{data.protocol.upper()} is not supported by this hub yet; SMTP and IMAP run here",
        field="protocol",
    )


def _smtp(data: EmailInput, auth: Authentication, context: ConnectorContext) -> JSON:
    name = data.data.smtpActionDiscriminator
    if name not in (None, "", "sendEmailSmtp"):
        raise ConnectorInputError(
            f"unknown SMTP action '{name}'", field="data.smtpActionDiscriminator"
        )
    if data.data.smtpConfig is None:
        raise ConnectorInputError("must not be null", field="data.smtpConfig")
    if data.data.smtpAction is None:
        raise ConnectorInputError("must not be null", field="data.smtpAction")
    return smtp.send(data.data.smtpConfig, auth, data.data.smtpAction, context)


def _imap(data: EmailInput, auth: Authentication, context: ConnectorContext) -> JSON:
    if data.data.imapConfig is None:
        raise ConnectorInputError("must not be null", field="data.imapConfig")
    name = data.data.imapActionDiscriminator or ""
    action = data.data.imapAction or ImapAction()
    return imap.run(name, data.data.imapConfig, auth, action, context)
