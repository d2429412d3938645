"""SMTP send throughput: messages sent per second through the runtime core (`run_job` with the
job of Camunda's current official email template, as tests/email builds it: binding, the
password as a hub secret, the network door with the egress policy, the exchange with the SMTP
dialogue, the result) against bare smtplib doing the same send, both against the same local
GreenMail (tests/services/greenmail.py). Target: ratio >= 0.8.

The connector opens a connection per job, as Camunda's does (connect, EHLO, AUTH PLAIN, MAIL,
RCPT, DATA, close), so the bare variant builds the same multipart message and does the same
dialogue on a new connection per send; bare smtplib on one kept connection shows what a
connection costs.

Run: .venv/bin/python bench/bench_smtp.py [sends per batch, default 50] [rounds, default 10]
(needs GreenMail: .ci/fetch-greenmail, and Java).

Method as bench_rest.py: rounds of one batch per variant, the order rotated; the best batch
and the median per-round ratio to the bare variant that connects per send, and the median
per-round extra time per send. GreenMail answers EHLO in pieces and the second piece waits
about 40 ms for the client's delayed ACK (Nagle against delayed ACK, on both variants alike),
so a send over a new connection takes about 45 ms here and the ratio hides small costs: the
extra milliseconds per send are the sharper alarm (about 1 ms today).
"""

from __future__ import annotations

import os
import smtplib
import sys
from email import policy as email_policy
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")

import django  # noqa: E402

django.setup()

from rounds import print_ratios, rates  # noqa: E402 - bench/'s shared method

from connectors.elementtemplates import build_job  # noqa: E402
from connectors.network.policy import EgressPolicy  # noqa: E402
from connectors.runtime import JobRequest, run_job  # noqa: E402
from connectors.secrets.providers import MappingSecretProvider  # noqa: E402
from tests.builtin.conftest import values_for  # noqa: E402
from tests.email.conftest import SECRET, email_templates, smtp_values  # noqa: E402
from tests.services.greenmail import GreenMail, greenmail  # noqa: E402

TO = "bob@example.org"
SUBJECT, BODY = "Order 42", "Your order has shipped."


def smtp_job(server: GreenMail) -> JobRequest:
    latest = max(email_templates(), key=lambda t: t.version or 0)
    job = build_job(latest, values_for(latest, smtp_values(server)))
    assert not job.errors, job.errors
    return JobRequest(type=job.type or "", variables=job.variables, headers=job.headers)


def message(sender: str) -> MIMEMultipart:
    """The message the connector sends for the job: multipart/mixed with one text part."""
    built = MIMEMultipart("mixed", policy=email_policy.SMTP)
    built.attach(MIMEText(BODY, "plain", "utf-8", policy=email_policy.SMTP))
    built["From"], built["To"], built["Subject"] = sender, TO, SUBJECT
    built["Date"] = formatdate(localtime=False)
    built["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    return built


def measure(server: GreenMail, calls: int, rounds: int) -> None:
    job = smtp_job(server)
    secrets = MappingSecretProvider({SECRET: server.password})
    policy = EgressPolicy.from_allowlist(["127.0.0.1"])
    kept = smtplib.SMTP(server.host, server.smtp)
    kept.login(server.user, server.password)

    def bare() -> object:
        client = smtplib.SMTP(server.host, server.smtp)
        try:
            client.login(server.user, server.password)
            return client.sendmail(server.address, [TO], message(server.address).as_bytes())
        finally:
            client.close()  # as the connector: no QUIT

    def bare_kept() -> object:
        return kept.sendmail(server.address, [TO], message(server.address).as_bytes())

    def runtime() -> object:
        outcome = run_job(job, secrets=secrets, time_limit=30.0, address_policy=policy)
        assert outcome.kind == "completed", outcome
        return outcome

    base = "bare smtplib, connect per send"
    variants = {
        base: bare,
        "runtime, dry-run setup (egress policy, 30 s limit)": runtime,
        "bare smtplib, one kept connection (for scale)": bare_kept,
    }
    for warm in variants.values():  # GreenMail's JVM needs its JIT warm as well
        for _ in range(100):
            warm()
    measured = rates(variants, calls, rounds)
    print(f"{calls} sends per batch, {rounds} rounds")
    print_ratios(measured, base, unit="sends")
    kept.quit()


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    with greenmail() as server:
        measure(server, calls, rounds)


if __name__ == "__main__":
    main()
