"""GreenMail standalone (SMTP, SMTPS, IMAP, POP3 on 127.0.0.1), for the email connector's tests.

`.ci/fetch-greenmail` puts the jar under .cache/greenmail/<version>/; `greenmail()` starts one
JVM on free ports with one user and stops it by PID. Locally a missing jar or Java skips the
tests; with GREENMAIL_REQUIRED=1 (set by .ci/run) it fails them instead.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.services import fetched

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


def _free_ports(count: int) -> list[int]:
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


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
    smtp, smtps, imap, pop3, api = _free_ports(5)
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
            # a JVM on a busy 2-core machine may take a minute and more
            deadline = time.monotonic() + 150
            ports = (smtp, smtps, imap, pop3)
            while not (all(_listening(p) for p in ports) and _user_provisioned(api)):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    why = "exited" if process.poll() is not None else "not ready after 150 s"
                    tail = log.read()[-3000:].decode()
                    raise RuntimeError(f"GreenMail did not start ({why}):\n{tail}")
                time.sleep(0.1)
            yield GreenMail("127.0.0.1", smtp, smtps, imap, pop3, user=ADDRESS)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
