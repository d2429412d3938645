"""IMAP list, search, read, move and delete through Camunda's current email template, against
GreenMail: Camunda's response shapes and its errors (wrong password, a missing folder)."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.runtime import Outcome
from tests.builtin.conftest import result_of, run_template
from tests.email.conftest import SECRET, email_template
from tests.services.greenmail import GreenMail

# one GreenMail per test session: its tests share a worker (docs/testing.md)
pytestmark = pytest.mark.xdist_group("greenmail")

V8 = email_template(8)


def imap(server: GreenMail, box: dict[str, Any], action: str, **extra: Any) -> Outcome:
    values = {
        "protocol": "imap",
        "data.imapActionDiscriminator": action,
        "data.imapConfig.imapHost": server.host,
        "data.imapConfig.imapPort": server.imap,
        "data.imapConfig.imapCryptographicProtocol": "NONE",
        "authentication.type": "simple",
        "authentication.username": box["address"],
        "authentication.password": f"{{{{secrets.{SECRET}}}}}",
        "resultVariable": "result",
        **extra,
    }
    return run_template(V8, values, secrets={SECRET: box.get("password", box["address"])})


def test_list_sorted_and_limited(mail_server, mailbox):
    outcome = imap(
        mail_server,
        mailbox,
        "listEmailsImap",
        **{
            "data.imapAction.sortField": "SIZE",
            "data.imapAction.sortOrder": "DESC",
            "data.imapAction.maxToBeRead": 2,
        },
    )
    result = result_of(outcome)
    assert [r["subject"] for r in result] == ["Hello", "Invoice 2"]
    assert set(result[0]) == {"messageId", "fromAddress", "subject", "size"}
    assert result[0]["messageId"] == mailbox["ids"][1]
    assert result[0]["fromAddress"] == "sender1@example.com"
    assert outcome.trace.exchanges[0]["protocol"] == "imap"


def test_search_by_subject_or_sender(mail_server, mailbox):
    criteria = (
        '={"operator": "OR", "criteria": [{"field": "SUBJECT", "value": "Invoice"},'
        ' {"field": "FROM", "value": "sender1@example.com"}]}'
    )
    result = result_of(
        imap(mail_server, mailbox, "searchEmailsImap", **{"data.imapAction.criteria": criteria})
    )
    assert sorted(r["subject"] for r in result) == ["Hello", "Invoice 1", "Invoice 2"]
    only = '={"operator": "AND", "criteria": [{"field": "SUBJECT", "value": "Invoice 2"}]}'
    result = result_of(
        imap(mail_server, mailbox, "searchEmailsImap", **{"data.imapAction.criteria": only})
    )
    assert result == [{"messageId": mailbox["ids"][2], "subject": "Invoice 2"}]


def test_read(mail_server, mailbox):
    result = result_of(
        imap(
            mail_server,
            mailbox,
            "readEmailImap",
            **{"data.imapAction.messageId": mailbox["ids"][0]},
        )
    )
    assert result["subject"] == "Invoice 1" and result["plainTextBody"].strip() == "x" * 10
    assert result["htmlBody"] is None and result["attachments"] == [] and result["errors"] == []
    assert {"key": "Subject", "value": "Invoice 1"} in result["headers"]
    assert result["receivedDateTime"].endswith("Z")


def test_move_then_delete(mail_server, mailbox):
    first = mailbox["ids"][0]
    moved = result_of(
        imap(
            mail_server,
            mailbox,
            "moveEmailImap",
            **{
                "data.imapAction.messageId": first,
                "data.imapAction.fromFolder": "INBOX",
                "data.imapAction.toFolder": "Archive/2026",
            },
        )
    )
    assert moved == {"messageId": first, "from": "INBOX", "to": "Archive/2026"}
    listed = result_of(imap(mail_server, mailbox, "listEmailsImap"))
    assert first not in [r["messageId"] for r in listed]
    archived = result_of(
        imap(
            mail_server,
            mailbox,
            "listEmailsImap",
            **{"data.imapAction.listEmailsFolder": "Archive.2026"},
        )
    )
    assert [r["messageId"] for r in archived] == [first]
    deleted = result_of(
        imap(
            mail_server,
            mailbox,
            "deleteEmailImap",
            **{
                "data.imapAction.messageId": first,
                "data.imapAction.deleteEmailFolder": "Archive/2026",
            },
        )
    )
    assert deleted == {"messageId": first, "deleted": True}


def test_a_folder_that_does_not_exist(mail_server, mailbox):
    outcome = imap(
        mail_server, mailbox, "listEmailsImap", **{"data.imapAction.listEmailsFolder": "Nope/Here"}
    )
    assert outcome.kind == "failed"
    assert outcome.trace.error["type"] == "java.lang.RuntimeException"
    assert outcome.message.startswith(
        "jakarta.mail.MessagingException: Folder Nope.Here does not exist"
    )


def test_a_message_that_does_not_exist(mail_server, mailbox):
    outcome = imap(
        mail_server, mailbox, "deleteEmailImap", **{"data.imapAction.messageId": "<no@x>"}
    )
    assert outcome.message.startswith(
        "jakarta.mail.MessagingException: No emails have been found with this ID"
    )


def test_a_wrong_password(mail_server, mailbox):
    outcome = imap(mail_server, {**mailbox, "password": "Wrong-Imap-9"}, "listEmailsImap")
    assert outcome.kind == "failed"
    assert outcome.message.startswith("jakarta.mail.AuthenticationFailedException: ")
    assert "Wrong-Imap-9" not in repr(outcome) + repr(outcome.trace)
