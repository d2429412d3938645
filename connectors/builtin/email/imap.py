"""IMAP actions, as Camunda's connector runs them (JakartaEmailActionExecutor.imap*): list,
search, read, move and delete, through the network door, one exchange per action."""

from __future__ import annotations

import email
import imaplib
import json
import re
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from email.message import Message
from functools import partial
from typing import Any

from connectorhub_sdk import JSON, ConnectorContext, ConnectorInputError, Documents

from . import messages
from .door import DoorSocket
from .errors import AUTH_FAILED, MESSAGING, MailError, connect_failed
from .model import Authentication, ImapAction, ImapConfig

# Camunda's TLS and SSL both open Jakarta's `imaps` store: TLS from the first byte
DEFAULT_PORTS = {"SSL": 993, "TLS": 993, "NONE": 143}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class DoorIMAP4(DoorSocket, imaplib.IMAP4):
    """imaplib whose socket comes from the network door."""


def run(
    action_name: str,
    config: ImapConfig,
    auth: Authentication,
    action: ImapAction,
    context: ConnectorContext,
) -> JSON:
    """Run one IMAP action and return Camunda's response shape for it."""
    actions: dict[str, Callable[[DoorIMAP4, ImapAction], JSON]] = {
        "listEmailsImap": _list,
        "searchEmailsImap": _search,
        "readEmailImap": partial(_read, documents=context.documents),
        "moveEmailImap": _move,
        "deleteEmailImap": _delete,
    }
    if action_name not in actions:
        raise ConnectorInputError(
            f"unknown IMAP action '{action_name}'", field="data.imapActionDiscriminator"
        )
    with _session(config, auth, context, action_name) as client:
        return actions[action_name](client, action)


@contextmanager
def _session(
    config: ImapConfig, auth: Authentication, context: ConnectorContext, summary: str
) -> Iterator[DoorIMAP4]:
    crypto = config.imapCryptographicProtocol
    host, port = config.imapHost.strip(), config.imapPort or DEFAULT_PORTS[crypto]
    tls = None if crypto == "NONE" else ssl.create_default_context()
    with context.network.exchange("imap", f"{host}:{port}", f"IMAP {summary}") as exchange:
        try:
            client = DoorIMAP4(context.network, host, port, tls)
        except OSError as exc:  # a refusal by the door is an input error, not an OSError
            raise connect_failed(exc, host, port, "IMAP") from exc
        exchange.response_body = f"connected ({'TLS' if tls else 'plain'})"
        try:
            if auth.type == "simple":
                _login(client, auth.username or "", auth.password or "")
            yield client
            exchange.status = "ok"
        except (imaplib.IMAP4.error, OSError) as exc:
            raise MailError(MESSAGING, _text(exc)) from exc
        finally:
            _logout(client)


def _login(client: DoorIMAP4, user: str, password: str) -> None:
    try:
        client.login(user, password)
    except imaplib.IMAP4.error as exc:
        raise MailError(AUTH_FAILED, _text(exc)) from None


def _logout(client: DoorIMAP4) -> None:
    with suppress(imaplib.IMAP4.error, OSError):  # the answer is known; a broken goodbye
        client.logout()


def _folder(client: DoorIMAP4, path: str | None) -> str:
    """Camunda's findImapFolder: blank or INBOX is the inbox; `.` and `/` separate levels and
    become the server's separator; a folder that does not exist is an error."""
    if not path or path.strip().upper() == "INBOX":
        return "INBOX"
    name = _separator(client).join(re.split(r"[./]", path))
    if not _exists(client, name):
        raise MailError(MESSAGING, f"Folder {name} does not exist")
    return name


def _separator(client: DoorIMAP4) -> str:
    _, data = client.list('""', '""')
    first = data[0] if data else None
    found = re.search(rb'\) "(.)"', first) if isinstance(first, bytes) else None
    return found.group(1).decode() if found else "."


def _exists(client: DoorIMAP4, name: str) -> bool:
    _, data = client.list('""', _quote(name))
    return bool(data and data[0])


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _select(client: DoorIMAP4, folder: str, readonly: bool) -> None:
    status, _ = client.select(_quote(folder), readonly=readonly)
    if status != "OK":
        raise MailError(MESSAGING, f"Folder {folder} does not exist")


def _uids(client: DoorIMAP4, *criteria: str) -> list[bytes]:
    _, data = client.uid("SEARCH", *criteria)
    return data[0].split() if data and data[0] else []


def _fetch(
    client: DoorIMAP4, uids: list[bytes], whole: bool
) -> list[tuple[Message, int, datetime]]:
    """Each message (headers only unless WHOLE) with its size and received date."""
    if not uids:
        return []
    part = "BODY.PEEK[]" if whole else "BODY.PEEK[HEADER]"
    _, data = client.uid("FETCH", b",".join(uids).decode(), f"(RFC822.SIZE INTERNALDATE {part})")
    found = []
    for item in data:
        if not isinstance(item, tuple):
            continue
        meta, raw = item
        assert isinstance(meta, bytes) and isinstance(raw, bytes)
        size = re.search(rb"RFC822\.SIZE (\d+)", meta)
        received = imaplib.Internaldate2tuple(meta)
        when = datetime(*received[:6], tzinfo=UTC) if received else EPOCH
        found.append((email.message_from_bytes(raw), int(size.group(1)) if size else 0, when))
    return found


def _list(client: DoorIMAP4, action: ImapAction) -> JSON:
    _select(client, _folder(client, action.listEmailsFolder), readonly=True)
    found = _fetch(client, _uids(client, "ALL"), whole=False)
    key = {
        "RECEIVED_DATE": lambda m: m[2],
        "SENT_DATE": lambda m: messages.sent_at(m[0]),
        "SIZE": lambda m: m[1],
    }[action.sortField]
    found.sort(key=key, reverse=action.sortOrder == "DESC")
    limit = action.maxToBeRead if action.maxToBeRead is not None else len(found)
    return [messages.list_entry(m, size) for m, size, _ in found[:limit]]


def search_keys(criteria: Any) -> list[str]:
    """Camunda's search criteria (`{operator: AND|OR, criteria: [...]}` or `{field: FROM|SUBJECT|
    BODY, value}`) as IMAP SEARCH keys, evaluated by the server as Jakarta's IMAP folder does."""
    if not isinstance(criteria, dict):
        raise ConnectorInputError("must be a search criteria object", field="criteria")
    if "operator" in criteria:
        parts = [search_keys(c) for c in criteria.get("criteria") or []]
        operator = str(criteria["operator"]).upper()
        if operator == "AND":
            return [key for part in parts for key in part] or ["ALL"]
        if operator == "OR" and parts:
            keys = parts[-1]
            for part in reversed(parts[:-1]):
                keys = ["OR", f"({' '.join(part)})", f"({' '.join(keys)})"]
            return keys
        raise ConnectorInputError(f"unknown operator '{operator}' (AND or OR)", field="criteria")
    field = str(criteria.get("field", "")).upper()
    if field not in ("FROM", "SUBJECT", "BODY"):
        raise ConnectorInputError(
            f"unknown field '{field}' (FROM, SUBJECT or BODY)", field="criteria"
        )
    return [field, _quote(str(criteria.get("value", "")))]


def _search(client: DoorIMAP4, action: ImapAction) -> JSON:
    keys = search_keys(criteria_object(action.criteria, "data.imapAction.criteria"))
    _select(client, _folder(client, action.searchEmailFolder), readonly=True)
    uids = _uids(client, "CHARSET", "UTF-8", *keys)
    return [
        {"messageId": m["Message-ID"], "subject": m["Subject"]}
        for m, _, _ in _fetch(client, uids, whole=False)
    ]


def criteria_object(value: Any, field: str) -> Any:
    """The criteria: a FEEL context, or its JSON text in templates that type it as text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ConnectorInputError("is not JSON", field=field) from None
    return value


def _one(client: DoorIMAP4, message_id: str | None, missing: str) -> bytes:
    if not message_id:
        raise ConnectorInputError("must not be empty", field="data.imapAction.messageId")
    uids = _uids(client, "HEADER", "Message-ID", _quote(message_id))
    if not uids:
        raise MailError(MESSAGING, missing)
    return uids[0]


def _read(client: DoorIMAP4, action: ImapAction, *, documents: Documents | None = None) -> JSON:
    _select(client, _folder(client, action.readEmailFolder), readonly=True)
    uid = _one(client, action.messageId, "Could not find an email ID")
    [(message, size, received)] = _fetch(client, [uid], whole=True)
    return messages.read_response(message, size, received, documents)


def _move(client: DoorIMAP4, action: ImapAction) -> JSON:
    source = _folder(client, action.fromFolder)
    if not action.toFolder:
        raise ConnectorInputError("must not be empty", field="data.imapAction.toFolder")
    _select(client, source, readonly=False)
    uid = _one(client, action.messageId, f"Email with messageId {action.messageId} does not exist")
    target = _separator(client).join(re.split(r"[./]", action.toFolder))
    if not _exists(client, target):  # Camunda creates the target folder
        client.create(_quote(target))
    client.uid("COPY", uid.decode(), _quote(target))
    client.uid("STORE", uid.decode(), "+FLAGS.SILENT", r"(\Deleted)")
    client.expunge()
    return {"messageId": action.messageId, "from": action.fromFolder, "to": action.toFolder}


def _delete(client: DoorIMAP4, action: ImapAction) -> JSON:
    _select(client, _folder(client, action.deleteEmailFolder), readonly=False)
    uid = _one(client, action.messageId, "No emails have been found with this ID")
    client.uid("STORE", uid.decode(), "+FLAGS.SILENT", r"(\Deleted)")
    client.expunge()  # Jakarta's folder.close() expunges
    return {"messageId": action.messageId, "deleted": True}


def _text(value: Any) -> str:
    if isinstance(value, BaseException):
        value = value.args[0] if value.args else str(value)
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    text = str(value)
    return text[2:-1] if text.startswith("b'") and text.endswith("'") else text
