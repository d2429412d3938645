"""Failures as Camunda's email connector reports them.

Camunda's connector wraps every Jakarta Mail failure in a `java.lang.RuntimeException`, so a
job's `error.type` is that class, there is no `error.code`, and `error.message` is the Jakarta
exception printed by Java (class name, message, and the nested cause). `MailError` carries the
same type and text, so error expressions written against Camunda's connector match here.
"""

from __future__ import annotations

import smtplib
import socket
import ssl

MESSAGING = "jakarta.mail.MessagingException"
AUTH_FAILED = "jakarta.mail.AuthenticationFailedException"
CONNECT_FAILED = "org.eclipse.angus.mail.util.MailConnectException"


class MailError(RuntimeError):
    """A mail failure, read by the runtime as Camunda's RuntimeException (retries - 1)."""

    java_type = "java.lang.RuntimeException"

    def __init__(self, java_class: str, message: str, nested: str | None = None) -> None:
        text = f"{java_class}: {message}"
        if nested:
            text += f";\n  nested exception is:\n\t{nested}"
        super().__init__(text)


def _reply(code: int, text: bytes | str) -> str:
    detail = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {detail}".strip()


def _java_socket_error(exc: OSError, host: str) -> str:
    """The java.net exception Java raises for the same socket failure."""
    if isinstance(exc, socket.gaierror) or type(exc).__name__ == "HostNotResolved":
        return f"java.net.UnknownHostException: {host}"
    if isinstance(exc, ConnectionRefusedError):
        return "java.net.ConnectException: Connection refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "java.net.SocketTimeoutException: Connect timed out"
    return f"java.net.SocketException: {exc.strerror or exc}"


def connect_failed(exc: OSError, host: str, port: int, protocol: str = "SMTP") -> MailError:
    """The server could not be reached (Jakarta's MailConnectException)."""
    if isinstance(exc, ssl.SSLError):
        return MailError(
            MESSAGING,
            f"Could not connect to {protocol} host: {host}, port: {port}",
            f"javax.net.ssl.SSLHandshakeException: {exc.reason or exc}",
        )
    return MailError(
        CONNECT_FAILED,
        f"Couldn't connect to host, port: {host}, {port}; timeout -1",
        _java_socket_error(exc, host),
    )


def smtp_failed(exc: smtplib.SMTPException | OSError) -> MailError:
    """A failure after the connection was made: the server's reply where there is one."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailError(AUTH_FAILED, _reply(exc.smtp_code, exc.smtp_error))
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(f"{who}: {_reply(*reply)}" for who, reply in exc.recipients.items())
        return MailError("jakarta.mail.SendFailedException", f"Invalid Addresses ({refused})")
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailError(MESSAGING, _reply(exc.smtp_code, exc.smtp_error))
    if isinstance(exc, ssl.SSLError):
        return MailError(MESSAGING, "Could not convert socket to TLS", f"{exc.reason or exc}")
    return MailError(MESSAGING, str(exc) or type(exc).__name__)
