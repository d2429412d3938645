"""The acceptance's crash test for the SQS and email consumers: 200 messages, the consumer
process killed with SIGKILL after about sixty and started again. Every message is correlated,
none is lost; a duplicate can only be the message killed between correlate and delete (SQS) or
between correlate and its \\Seen flag (email), which the message-id deduplication drops."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.consumers.crash import MESSAGES, kill_and_restart
from tests.consumers.test_email import folder_state, new_user, send_all
from tests.consumers.test_email import properties as mail_properties
from tests.consumers.test_sqs import client, left, queue
from tests.consumers.test_sqs import properties as sqs_properties
from tests.services.greenmail import GreenMail
from tests.services.moto import Moto


@pytest.mark.xdist_group("moto")
def test_a_killed_sqs_consumer_loses_nothing(moto: Moto, tmp_path: Path) -> None:
    url = queue(moto, visibility=2)  # what the killed process received comes back after 2 s
    sqs = client(moto)
    ids: set[str] = set()
    for start in range(0, MESSAGES, 10):
        entries = [{"Id": str(n), "MessageBody": f'{{"n": {n}}}'} for n in range(start, start + 10)]
        ids |= {
            m["MessageId"]
            for m in sqs.send_message_batch(QueueUrl=url, Entries=entries)["Successful"]
        }
    output = tmp_path / "correlated.txt"
    seen, at_kill = kill_and_restart(
        "connectors.builtin.aws.sqs_inbound",
        sqs_properties(moto, url),
        output,
        ids,
        settled=lambda: left(moto, url) == 0,
    )
    assert set(seen) == ids
    duplicates = [m for m, times in Counter(seen).items() if times > 1]
    print(f"sqs crash: killed after {at_kill} correlations, {len(duplicates)} duplicates")
    assert len(duplicates) <= 1


@pytest.mark.xdist_group("greenmail")
def test_a_killed_email_consumer_loses_nothing(mail_server: GreenMail, tmp_path: Path) -> None:
    address = new_user()
    ids = set(send_all(mail_server, address, [f"Order {n}" for n in range(MESSAGES)]))
    output = tmp_path / "correlated.txt"
    seen, at_kill = kill_and_restart(
        "connectors.builtin.email.inbound",
        mail_properties(mail_server, address),
        output,
        ids,
        settled=lambda: all(f == {"\\Seen"} for f in folder_state(mail_server, address).values()),
    )
    assert set(seen) == ids
    duplicates = [m for m, times in Counter(seen).items() if times > 1]
    print(f"email crash: killed after {at_kill} correlations, {len(duplicates)} duplicates")
    assert len(duplicates) <= 1
