"""POP3 actions, as Camunda's connector runs them (JakartaEmailActionExecutor.pop3*): list,
search, read and delete in the inbox, through the network door, one exchange per action. POP3
servers cannot search, so the criteria are matched here, as Jakarta's POP3 folder does."""

from __future__ import annotations

import email
import poplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from email.message import Message
from functools import partial

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, Documents

from . import messages
from .door import DoorSocket
from .errors import AUTH_FAILED, MESSAGING, MailError, connect_failed
from .imap import criteria_object, search_keys
from .model import Authentication, Pop3Action, Pop3Config

# Camunda's TLS and SSL both open Jakarta's `pop3s` store: TLS from the first byte
DEFAULT_PORTS = {"SSL": 995, "TLS": 995, "NONE": 110}


class DoorPOP3(DoorSocket, poplib.POP3):
    """poplib whose socket comes from the network door."""


def run(
    action_name: str,
    config: Pop3Config,
    auth: Authentication,
    action: Pop3Action,
    context: ConnectorContext,
) -> JSON:
    """Run one POP3 action and return Camunda's response shape for it."""
    actions: dict[str, Callable[[DoorPOP3, Pop3Action], JSON]] = {
        "listEmailsPop3": _list,
        "searchEmailsPop3": _search,
        "readEmailPop3": partial(_read, documents=context.documents),
        "deleteEmailPop3": _delete,
    }
    if action_name not in actions:
        raise ConnectorInputError(
            f"unknown POP3 action '{action_name}'", field="data.pop3ActionDiscriminator"
        )
    with _session(config, auth, context, action_name) as client:
        return actions[action_name](client, action)


@contextmanager
def _session(
    config: Pop3Config, auth: Authentication, context: ConnectorContext, summary: str
) -> Iterator[DoorPOP3]:
    crypto = config.pop3CryptographicProtocol
    host, port = config.pop3Host.strip(), config.pop3Port or DEFAULT_PORTS[crypto]
    tls = None if crypto == "NONE" else ssl.create_default_context()
    with context.network.exchange("pop3", f"{host}:{port}", f"POP3 {summary}") as exchange:
        try:
            client = DoorPOP3(context.network, host, port, tls)
        except OSError as exc:  # a refusal by the door is an input error, not an OSError
            raise connect_failed(exc, host, port, "POP3") from exc
        exchange.response_body = f"connected ({'TLS' if tls else 'plain'})"
        try:
            if auth.type == "simple":
                _login(client, auth.username or "", auth.password or "")
            yield client
            client.quit()  # deletions take effect when the session ends normally
            exchange.status = "ok"
        except (poplib.error_proto, OSError) as exc:
            raise MailError(MESSAGING, _text(exc)) from exc
        finally:
            with suppress(poplib.error_proto, OSError):
                client.close()


def _login(client: DoorPOP3, user: str, password: str) -> None:
    try:
        client.user(user)
        client.pass_(password)
    except poplib.error_proto as exc:
        raise MailError(AUTH_FAILED, _text(exc)) from None


def _all(client: DoorPOP3) -> list[tuple[int, Message, int]]:
    """Every message in the inbox: its number, the message (read without deleting) and size."""
    found = []
    for line in client.list()[1]:
        number, size = (int(part) for part in line.split()[:2])
        raw = b"\r\n".join(client.retr(number)[1])
        found.append((number, email.message_from_bytes(raw), size))
    return found


def _list(client: DoorPOP3, action: Pop3Action) -> JSON:
    found = _all(client)
    if action.sortField == "SIZE":
        found.sort(key=lambda m: m[2], reverse=action.sortOrder == "DESC")
    else:
        found.sort(key=lambda m: messages.sent_at(m[1]), reverse=action.sortOrder == "DESC")
    limit = action.maxToBeRead if action.maxToBeRead is not None else len(found)
    return [messages.list_entry(m, size) for _, m, size in found[:limit]]


def _search(client: DoorPOP3, action: Pop3Action) -> JSON:
    criteria = criteria_object(action.criteria, "data.pop3Action.criteria")
    search_keys(criteria)  # the same checks, and messages, as for IMAP
    return [
        {"messageId": m["Message-ID"], "subject": m["Subject"]}
        for _, m, _ in _all(client)
        if messages.matches(criteria, m)
    ]


def _one(client: DoorPOP3, message_id: str | None, missing: str) -> tuple[int, Message, int]:
    if not message_id:
        raise ConnectorInputError("must not be empty", field="data.pop3Action.messageId")
    for found in _all(client):
        if message_id in (found[1].get_all("Message-ID") or []):
            return found
    raise MailError(MESSAGING, missing)


def _read(client: DoorPOP3, action: Pop3Action, *, documents: Documents | None = None) -> JSON:
    _, message, size = _one(client, action.messageId, "No emails have been found with this ID")
    return messages.read_response(message, size, None, documents)  # POP3 has no received date


def _delete(client: DoorPOP3, action: Pop3Action) -> JSON:
    number, _, _ = _one(client, action.messageId, "No emails have been found with this ID")
    client.dele(number)
    return {"messageId": action.messageId, "deleted": True}


def _text(value: BaseException) -> str:
    text = value.args[0] if value.args else str(value)
    return text.decode(errors="replace") if isinstance(text, bytes) else str(text)
