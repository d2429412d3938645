"""GreenMail standalone (SMTP, SMTPS, IMAP, POP3 on 127.0.0.1), for the email connector's tests.

`.ci/fetch-greenmail` puts the jar under .cache/greenmail/<version>/; `greenmail()` starts one
JVM on free ports with one user and stops it by PID. Locally a missing jar or Java skips the
tests; with GREENMAIL_REQUIRED=1 (set by .ci/run) it fails them instead.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.services import fetched, ports

BASE_DIR = Path(__file__).resolve().parents[2]
FETCH_SCRIPT = BASE_DIR / ".ci" / "fetch-greenmail"
VERSION = fetched.pinned_version(FETCH_SCRIPT, "GREENMAIL_VERSION")
JAR = BASE_DIR / ".cache" / "greenmail" / VERSION / f"greenmail-standalone-{VERSION}.jar"
REQUIRED = "GREENMAIL_REQUIRED"
USER, PASSWORD, ADDRESS = "alice", "s3cret-Mail-Pass", "alice@example.com"


@dataclass(frozen=True)
class GreenMail:
    host: str
    smtp: int
    smtps: int
    imap: int
    pop3: int
    user: str = USER
    password: str = PASSWORD
    address: str = ADDRESS


def _user_provisioned(api: int) -> bool:
    """True once GreenMail's REST API lists the configured user. Its mail ports listen a few
    seconds before the user exists (on a loaded machine), and a login in that gap fails with
    'Authentication credentials invalid'."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{api}/api/user", timeout=1) as answer:
            users = json.load(answer)
    except (OSError, ValueError):
        return False
    return any(user.get("login") == ADDRESS for user in users)


@contextlib.contextmanager
def greenmail() -> Iterator[GreenMail]:
    java = shutil.which("java")
    if not JAR.is_file() or java is None:
        fetched.missing(
            f"no GreenMail {VERSION}: run .ci/fetch-greenmail (needs mvn, java)", REQUIRED
        )
    with ports.on_free_ports("GreenMail", 5, lambda chosen: _started(java, *chosen)) as server:
        yield server


@contextlib.contextmanager
def _started(
    java: str, smtp: int, smtps: int, imap: int, pop3: int, api: int
) -> Iterator[GreenMail]:
    properties = {
        "greenmail.hostname": "127.0.0.1",
        "greenmail.smtp.port": smtp,
        "greenmail.smtps.port": smtps,
        "greenmail.imap.port": imap,
        "greenmail.pop3.port": pop3,
        "greenmail.api.hostname": "127.0.0.1",
        "greenmail.api.port": api,  # else its REST API takes 8080
        "greenmail.users": f"{USER}:{PASSWORD}@example.com",
        "greenmail.users.login": "email",
    }
    command = [java, *(f"-D{k}={v}" for k, v in properties.items()), "-jar", str(JAR)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            # A JVM on a busy 2-core machine may take a minute and more. A taken port does not
            # stop it: it keeps running without that listener (and without its API).
            ports.wait_serving(
                "GreenMail",
                process,
                [smtp, smtps, imap, pop3, api],
                ready=lambda: _user_provisioned(api),
                output=ports.output_of(log),
                timeout=150,
            )
            yield GreenMail("127.0.0.1", smtp, smtps, imap, pop3, user=ADDRESS)
        finally:
            ports.stop(process, 10)
