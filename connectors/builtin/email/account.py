"""The reusable email account a task may bind instead of its inline fields: the
`emailAccountConfiguration` object of Camunda 8.10's templates (configuration templates
`io.camunda.connectors:email-account:1`, outbound, and `email-account-imap:1`, inbound).

As camunda/connectors EmailRequest (outbound) and EmailInboundConnectorProperties (inbound): a
bound account wins over the inline authentication and server fields; its login becomes a simple
authentication; the server block is the account's for the task's protocol. An outbound account
carries one protocol (EmailAccountConfiguration: SmtpAccountConfiguration, Imap..., Pop3...), so
an SMTP account bound to an IMAP task has no server for it and fails, as Camunda's does, with
"No email server settings provided by the credential or the element template"."""

from __future__ import annotations

import json
from typing import Any

from connectorhub_sdk import ConnectorInputError
from pydantic import BaseModel, ValidationError

from .model import Authentication, ImapConfig, Pop3Config, SmtpConfig

FIELD = "emailAccountConfiguration"
NO_SERVER = "No email server settings provided by the credential or the element template"
CONFIGS: dict[str, type[BaseModel]] = {"smtp": SmtpConfig, "imap": ImapConfig, "pop3": Pop3Config}


def bound_account(configuration: Any) -> dict[str, Any] | None:
    """The chosen account's object, or None when the task uses its inline fields."""
    if configuration in (None, "", {}):
        return None
    if isinstance(configuration, str):
        try:
            configuration = json.loads(configuration)
        except ValueError:
            configuration = None
    if not isinstance(configuration, dict):
        raise ConnectorInputError(
            "must be an object with the account's username, password and server", field=FIELD
        )
    return configuration


def account_authentication(account: dict[str, Any]) -> Authentication:
    """The account's login as a simple authentication (EmailAccountConfiguration
    #toAuthentication); both parts are required (@NotBlank in Camunda's account records)."""
    for name in ("username", "password"):
        value = account.get(name)
        if not isinstance(value, str) or not value.strip():
            raise ConnectorInputError("must not be blank", field=f"{FIELD}.{name}")
    return Authentication(type="simple", username=account["username"], password=account["password"])


def account_server(account: dict[str, Any], protocol: str) -> Any:
    """The account's server settings for PROTOCOL (an SmtpConfig, ImapConfig or Pop3Config).
    The outbound account names its protocol; the inbound one (IMAP only) does not."""
    own = account.get("protocol")
    if isinstance(own, str) and own.strip().lower() != protocol:
        raise ConnectorInputError(f"{NO_SERVER}: the account is for {own}", field=FIELD)
    prefix = protocol
    if not account.get(f"{prefix}Host"):
        raise ConnectorInputError(NO_SERVER, field=f"{FIELD}.{prefix}Host")
    fields = {k: v for k, v in account.items() if k.startswith(prefix) and v not in (None, "")}
    try:
        return CONFIGS[protocol].model_validate(fields)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConnectorInputError(first["msg"], field=f"{FIELD}.{where}") from None
