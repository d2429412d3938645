"""The server `make run` starts answers a kept-alive connection without Nagle's 40 ms stall:
`manage.py runserver` is the hub's command, which turns TCP_NODELAY on for every connection,
and still leaves static files to WhiteNoise."""

from __future__ import annotations

import socket
import threading

from django.core.management import get_commands, load_command_class
from django.core.servers.basehttp import WSGIRequestHandler


def runserver_command() -> object:
    return load_command_class(get_commands()["runserver"], "runserver")


def test_runserver_is_the_hubs_and_keeps_whitenoises_static_default() -> None:
    command = runserver_command()
    assert type(command).__module__ == "connectorhub.management.commands.runserver"
    parser = command.create_parser("manage.py", "runserver")  # type: ignore[attr-defined]
    assert parser.get_default("use_static_handler") is False  # WhiteNoise serves static files


def test_each_accepted_connection_has_nagle_off() -> None:
    server = runserver_command().server_cls(("127.0.0.1", 0), WSGIRequestHandler)  # type: ignore[attr-defined]
    try:
        accepted: list[socket.socket] = []
        thread = threading.Thread(target=lambda: accepted.append(server.get_request()[0]))
        thread.start()
        with socket.create_connection(server.server_address[:2], timeout=5):
            thread.join(5)
        assert accepted, "the server accepted no connection"
        with accepted[0] as connection:
            assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        server.server_close()
