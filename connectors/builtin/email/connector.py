"""`io.camunda:email:1`, Camunda's email connector (outbound), drop-in for every version of
its template: the `protocol` variable chooses SMTP, IMAP or POP3 and `data` carries that
protocol's server settings and action. SMTP send runs here; IMAP and POP3 are refused with a
message that says so (docs/email-connector.md)."""

from __future__ import annotations

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector

from . import smtp
from .model import EmailInput


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
    if data.protocol != "smtp":
        raise ConnectorInputError(
            f"{data.protocol.upper()} is not supported by this hub yet; only SMTP (send email) "
            "runs here",
            field="protocol",
        )
    action = data.data.smtpActionDiscriminator
    if action not in (None, "", "sendEmailSmtp"):
        raise ConnectorInputError(
            f"unknown SMTP action '{action}'", field="data.smtpActionDiscriminator"
        )
    if data.data.smtpConfig is None:
        raise ConnectorInputError("must not be null", field="data.smtpConfig")
    if data.data.smtpAction is None:
        raise ConnectorInputError("must not be null", field="data.smtpAction")
    return smtp.send(data.data.smtpConfig, data.authentication, data.data.smtpAction, context)
