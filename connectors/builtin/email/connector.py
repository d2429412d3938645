"""`io.camunda:email:1`, Camunda's email connector (outbound), drop-in for every version of
its template: the `protocol` variable chooses SMTP, IMAP or POP3 and `data` carries that
protocol's server settings and action (docs/email-connector.md)."""

from __future__ import annotations

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, connector

from . import imap, pop3, smtp
from .account import account_authentication, account_server, bound_account
from .model import Authentication, EmailInput, ImapAction, Pop3Action


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
    account = bound_account(data.emailAccountConfiguration)
    if account is not None:
        # the bound account wins over the inline login and server (Camunda's EmailRequest)
        auth = account_authentication(account)
        server = account_server(account, data.protocol)
        data = data.model_copy(
            update={"data": data.data.model_copy(update={f"{data.protocol}Config": server})}
        )
    elif data.authentication is None:
        raise ConnectorInputError("must not be null", field="authentication")
    else:
        auth = data.authentication
    if data.protocol == "imap":
        return _imap(data, auth, context)
    if data.protocol == "pop3":
        return _pop3(data, auth, context)
    return _smtp(data, auth, context)


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


def _pop3(data: EmailInput, auth: Authentication, context: ConnectorContext) -> JSON:
    if data.data.pop3Config is None:
        raise ConnectorInputError("must not be null", field="data.pop3Config")
    name = data.data.pop3ActionDiscriminator or ""
    action = data.data.pop3Action or Pop3Action()
    return pop3.run(name, data.data.pop3Config, auth, action, context)
