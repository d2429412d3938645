"""The input of every version (1-8) of Camunda's email template, as the job's variables carry it:
`authentication`, `protocol` and `data` (Camunda's EmailRequest)."""

from __future__ import annotations

from typing import Any, Literal

from connectorhub_sdk.types import FeelText, FeelTextMap, OptionalInt, Text
from pydantic import BaseModel, ConfigDict, Field, field_validator

Crypto = Literal["TLS", "SSL", "NONE"]


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class Authentication(BaseModel):
    """`simple` (user name and password) or `noAuth`."""

    model_config = ConfigDict(extra="ignore")
    type: Literal["simple", "noAuth"] = "noAuth"
    username: Text | None = None
    password: Text | None = None


class SmtpConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")
    smtpHost: FeelText = Field(min_length=1)
    smtpPort: OptionalInt = Field(default=None, ge=1, le=65535)
    smtpCryptographicProtocol: Crypto = "TLS"

    _crypto = field_validator("smtpCryptographicProtocol", mode="before")(_upper)


class SmtpSend(BaseModel):
    """Camunda's SmtpSendEmail; `to`, `cc` and `bcc` are a comma-separated text or a list."""

    model_config = ConfigDict(extra="ignore")
    from_: FeelText = Field(alias="from", min_length=1)
    to: Any = None
    cc: Any = None
    bcc: Any = None
    headers: FeelTextMap = None
    subject: FeelText = ""
    contentType: Any = "PLAIN"
    body: FeelText | None = None
    htmlBody: FeelText | None = None
    attachments: Any = None

    @field_validator("contentType", mode="before")
    @classmethod
    def _content_type(cls, value: Any) -> str:
        """Jackson's enum default: blank or unknown text is PLAIN (@JsonEnumDefaultValue)."""
        value = _upper(value)
        return value if value in ("PLAIN", "HTML", "MULTIPART") else "PLAIN"


class ImapConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")
    imapHost: FeelText = Field(min_length=1)
    imapPort: OptionalInt = Field(default=None, ge=1, le=65535)
    imapCryptographicProtocol: Crypto = "TLS"

    _crypto = field_validator("imapCryptographicProtocol", mode="before")(_upper)


class ImapAction(BaseModel):
    """The fields of every IMAP action (list, search, read, move, delete); each action reads
    its own."""

    model_config = ConfigDict(extra="ignore")
    maxToBeRead: OptionalInt = Field(default=None, ge=0)
    sortField: Literal["RECEIVED_DATE", "SENT_DATE", "SIZE"] = "RECEIVED_DATE"
    sortOrder: Literal["ASC", "DESC"] = "ASC"
    criteria: Any = None
    messageId: FeelText | None = None
    listEmailsFolder: FeelText | None = None
    searchEmailFolder: FeelText | None = None
    readEmailFolder: FeelText | None = None
    deleteEmailFolder: FeelText | None = None
    fromFolder: FeelText | None = None
    toFolder: FeelText | None = None

    _upper = field_validator("sortField", "sortOrder", mode="before")(_upper)


class Pop3Config(BaseModel):
    model_config = ConfigDict(extra="ignore")
    pop3Host: FeelText = Field(min_length=1)
    pop3Port: OptionalInt = Field(default=None, ge=1, le=65535)
    pop3CryptographicProtocol: Crypto = "TLS"

    _crypto = field_validator("pop3CryptographicProtocol", mode="before")(_upper)


class Pop3Action(BaseModel):
    """The fields of every POP3 action (list, search, read, delete)."""

    model_config = ConfigDict(extra="ignore")
    maxToBeRead: OptionalInt = Field(default=None, ge=0)
    sortField: Literal["SENT_DATE", "SIZE"] = "SENT_DATE"
    sortOrder: Literal["ASC", "DESC"] = "ASC"
    criteria: Any = None
    messageId: FeelText | None = None

    _upper = field_validator("sortField", "sortOrder", mode="before")(_upper)


class EmailData(BaseModel):
    """The `data` variable: each protocol's server settings and action; only the ones of the
    chosen `protocol` are read."""

    model_config = ConfigDict(extra="ignore")
    smtpActionDiscriminator: Text | None = None
    smtpConfig: SmtpConfig | None = None
    smtpAction: SmtpSend | None = None
    imapActionDiscriminator: Text | None = None
    imapConfig: ImapConfig | None = None
    imapAction: ImapAction | None = None
    pop3ActionDiscriminator: Text | None = None
    pop3Config: Pop3Config | None = None
    pop3Action: Pop3Action | None = None


class EmailInput(BaseModel):
    """The union of the inputs of every version of Camunda's email template."""

    model_config = ConfigDict(extra="ignore")
    authentication: Authentication | None = None  # required: checked after the account below
    protocol: Literal["smtp", "imap", "pop3"]
    data: EmailData
    emailAccountConfiguration: Any = None

    _protocol = field_validator("protocol", mode="before")(
        lambda value: value.strip().lower() if isinstance(value, str) else value
    )
