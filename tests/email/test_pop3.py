"""POP3 list, search, read and delete through Camunda's current email template, against
GreenMail: Camunda's response shapes and errors."""

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


def pop3(server: GreenMail, box: dict[str, Any], action: str, **extra: Any) -> Outcome:
    values = {
        "protocol": "pop3",
        "data.pop3ActionDiscriminator": action,
        "data.pop3Config.pop3Host": server.host,
        "data.pop3Config.pop3Port": server.pop3,
        "data.pop3Config.pop3CryptographicProtocol": "NONE",
        "authentication.type": "simple",
        "authentication.username": box["address"],
        "authentication.password": f"{{{{secrets.{SECRET}}}}}",
        "resultVariable": "result",
        **extra,
    }
    return run_template(V8, values, secrets={SECRET: box.get("password", box["address"])})


def test_list_sorted_and_limited(mail_server, mailbox):
    extra = {"data.pop3Action.sortField": "SIZE", "data.pop3Action.sortOrder": "DESC"}
    outcome = pop3(mail_server, mailbox, "listEmailsPop3", **extra)
    result = result_of(outcome)
    assert [r["subject"] for r in result] == ["Hello", "Invoice 2", "Invoice 1"]
    assert set(result[0]) == {"messageId", "fromAddress", "subject", "size"}
    assert result[0]["fromAddress"] == "sender1@example.com"
    [exchange] = outcome.trace.exchanges
    assert (exchange["protocol"], exchange["status"]) == ("pop3", "ok")
    limited = pop3(mail_server, mailbox, "listEmailsPop3", **{"data.pop3Action.maxToBeRead": 1})
    assert len(result_of(limited)) == 1


def test_search(mail_server, mailbox):
    criteria = (
        '={"operator": "AND", "criteria": [{"field": "SUBJECT", "value": "invoice"},'
        ' {"field": "FROM", "value": "sender2@example.com"}]}'
    )
    result = result_of(
        pop3(mail_server, mailbox, "searchEmailsPop3", **{"data.pop3Action.criteria": criteria})
    )
    assert result == [{"messageId": mailbox["ids"][2], "subject": "Invoice 2"}]


def test_read_then_delete(mail_server, mailbox):
    first = mailbox["ids"][0]
    read = result_of(
        pop3(mail_server, mailbox, "readEmailPop3", **{"data.pop3Action.messageId": first})
    )
    assert read["subject"] == "Invoice 1" and read["plainTextBody"].strip() == "x" * 10
    assert read["receivedDateTime"] is None  # POP3 does not know it
    deleted = result_of(
        pop3(mail_server, mailbox, "deleteEmailPop3", **{"data.pop3Action.messageId": first})
    )
    assert deleted == {"messageId": first, "deleted": True}
    left = result_of(pop3(mail_server, mailbox, "listEmailsPop3"))
    assert first not in [r["messageId"] for r in left] and len(left) == 2


def test_errors(mail_server, mailbox):
    missing = pop3(mail_server, mailbox, "readEmailPop3", **{"data.pop3Action.messageId": "<x@y>"})
    assert missing.message.startswith(
        "jakarta.mail.MessagingException: No emails have been found with this ID"
    )
    wrong = pop3(mail_server, {**mailbox, "password": "Wrong-Pop-7"}, "listEmailsPop3")
    assert wrong.kind == "failed"
    assert wrong.trace.error["type"] == "java.lang.RuntimeException"
    assert wrong.message.startswith("jakarta.mail.AuthenticationFailedException: ")
    assert "Wrong-Pop-7" not in repr(wrong) + repr(wrong.trace)
