"""`io.camunda:connector-email-inbound:1`, Camunda's email (IMAP) consumer, drop-in for every
version of its message start, intermediate, boundary and receive templates
(docs/email-connector.md, "Inbound").

Follows EmailConnectorExecutable and PollingManager: one IMAP connection through the network
door, the folder to listen to (blank: INBOX), a poll of the unseen messages (or of all of them)
every `pollingWaitTime`, each message read without marking it (BODY.PEEK), correlated with the
`ReadEmailResponse` variables and its Message-ID, attachments stored as documents; once the
engine accepted it, the handling strategy: READ (flag \\Seen), DELETE (flag \\Deleted and
expunge) or MOVE (seen, then moved to the target folder, created when missing).
"""

from __future__ import annotations

import re
import ssl
from datetime import timedelta
from typing import Literal

from connectorhub_sdk import ConnectorInputError
from connectorhub_sdk.inbound import Health, InboundContext, consumer
from connectorhub_sdk.javatext import parse_duration
from connectorhub_sdk.types import FeelText, Text
from pydantic import BaseModel, ConfigDict, Field

from connectors.builtin.consuming import Backoff, deliver, keep_consuming

from . import imap, messages
from .errors import MailError, connect_failed
from .model import Authentication, ImapConfig

TYPE = "io.camunda:connector-email-inbound:1"
Strategy = Literal["READ", "DELETE", "MOVE"]


class PollingConfig(BaseModel):
    """PollUnseen / PollAll: what to do with a message once the engine accepted it."""

    model_config = ConfigDict(extra="ignore")
    handlingStrategy: Strategy | None = None
    targetFolder: Text | None = None


class EmailListenerConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")
    imapConfig: ImapConfig | None = None
    folderToListen: FeelText | None = None
    pollingWaitTime: Text | None = Field(default="PT20S", description="ISO-8601, e.g. PT20S")
    pollingConfigDiscriminator: Literal["unseenPollingConfig", "allPollingConfig"] = (
        "unseenPollingConfig"
    )
    pollingConfig: PollingConfig | None = None


class EmailInboundInput(BaseModel):
    """Camunda's EmailInboundConnectorProperties."""

    model_config = ConfigDict(extra="ignore")
    authentication: Authentication | None = None
    data: EmailListenerConfig | None = None


@consumer(
    type=TYPE,
    name="Email Consumer",
    input=EmailInboundInput,
    description="Start or continue a process for each new email of an IMAP folder; runs "
    "Camunda's official email inbound templates unchanged.",
)
def consume(data: EmailInboundInput, context: InboundContext) -> None:
    """Poll the folder until the element is deactivated; mark, move or delete a message only
    once the engine accepted it."""
    listener = data.data or EmailListenerConfig()
    if listener.imapConfig is None:
        raise ConnectorInputError("must not be null", field="data.imapConfig")
    auth = data.authentication or Authentication()
    every = _interval(listener.pollingWaitTime)
    unseen = listener.pollingConfigDiscriminator == "unseenPollingConfig"
    polling = listener.pollingConfig or PollingConfig()
    strategy: Strategy = polling.handlingStrategy or ("READ" if unseen else "DELETE")
    target = (polling.targetFolder or "").strip()
    if strategy == "MOVE" and not target:
        raise ConnectorInputError(
            "If the post process action is `MOVE`, a target folder must be specified",
            field="data.pollingConfig.targetFolder",
        )
    if strategy == "READ" and not unseen:
        raise ConnectorInputError(
            "READ only applies to unseen emails: polling all emails needs DELETE or MOVE",
            field="data.pollingConfig.handlingStrategy",
        )
    config = listener.imapConfig

    def session(backoff: Backoff) -> None:
        client = _connect(config, auth, context)
        try:
            folder = imap._folder(client, listener.folderToListen)
            imap._select(client, folder, readonly=False)
            context.report_health(Health.UP, f"polling {folder} on {config.imapHost}")
            context.log(f"Listening to folder {folder}", tag="CONSUMER")
            backoff.reset()
            while not context.stopping.is_set():
                for uid in imap._uids(client, "UNSEEN" if unseen else "ALL"):
                    if context.stopping.is_set():
                        break
                    _handle(context, client, uid, strategy, target)
                client.noop()  # keeps the connection, and notices a dead one
                if context.stopping.wait(every.total_seconds()):
                    break
        finally:
            imap._logout(client)

    keep_consuming(context, session, _describe)


def _connect(config: ImapConfig, auth: Authentication, context: InboundContext) -> imap.DoorIMAP4:
    crypto = config.imapCryptographicProtocol
    host, port = config.imapHost.strip(), config.imapPort or imap.DEFAULT_PORTS[crypto]
    tls = None if crypto == "NONE" else ssl.create_default_context()
    try:
        client = imap.DoorIMAP4(context.network, host, port, tls)
    except OSError as exc:
        raise connect_failed(exc, host, port, "IMAP") from exc
    if auth.type == "simple":
        try:
            imap._login(client, auth.username or "", auth.password or "")
        except BaseException:
            imap._logout(client)
            raise
    return client


def _handle(
    context: InboundContext, client: imap.DoorIMAP4, uid: bytes, strategy: Strategy, target: str
) -> None:
    """Correlate one message (read with PEEK: still unseen); the strategy only when accepted."""
    found = imap._fetch(client, [uid], whole=True)
    if not found:
        return  # expunged by another client meanwhile
    message, size, received = found[0]
    message_id = message["Message-ID"]
    what = f"Email {message_id or uid.decode()}"
    if not deliver(
        context,
        what,
        lambda: messages.read_response(message, size, received, context.documents),
        message_id,
    ):
        return  # stays unseen: the next poll offers it again
    number = uid.decode()
    if strategy in ("READ", "MOVE"):
        client.uid("STORE", number, "+FLAGS.SILENT", r"(\Seen)")
    if strategy == "MOVE":
        folder = imap._separator(client).join(re.split(r"[./]", target))
        if not imap._exists(client, folder):  # Camunda creates the target folder
            client.create(imap._quote(folder))
        client.uid("COPY", number, imap._quote(folder))
    if strategy in ("DELETE", "MOVE"):
        client.uid("STORE", number, "+FLAGS.SILENT", r"(\Deleted)")
        client.expunge()


def _interval(text: str | None) -> timedelta:
    """pollingWaitTime, an ISO-8601 duration (Camunda's `Duration`), at least one second."""
    try:
        every = parse_duration((text or "PT20S").strip())
    except ValueError:
        raise ConnectorInputError(
            "must be an ISO-8601 duration, e.g. PT20S", field="data.pollingWaitTime"
        ) from None
    return max(every, timedelta(seconds=1))


def _describe(exc: BaseException) -> str:
    """The reason shown with health DOWN (Jakarta's class and text; never the password)."""
    if isinstance(exc, MailError | ConnectorInputError):
        return str(exc)
    return f"{type(exc).__name__}: {imap._text(exc)}"
