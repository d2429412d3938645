"""`runserver`, the web server `make run` starts, with Nagle's algorithm off on every connection.

Django's development server writes a response in several small sends (status line, headers,
body). On a kept-alive connection Nagle's algorithm holds each send after the first until the
client acknowledges it, and clients delay that acknowledgement by up to 40 ms: every request
after a connection's first few took 40-44 ms, whatever the view did (a webhook sender or a
browser that keeps its connection, measured with wrk: bench/bench_inbound.py). With
TCP_NODELAY each send leaves at once, as production WSGI servers do.

Everything else is WhiteNoise's runserver (static files served by its middleware), which it
extends: this app comes first in INSTALLED_APPS so that its command is the one Django finds.
"""

from __future__ import annotations

import socket
from typing import Any

from django.core.servers.basehttp import WSGIServer
from whitenoise.runserver_nostatic.management.commands.runserver import (
    Command as NoStaticRunserver,
)


class NoDelayWSGIServer(WSGIServer):
    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class Command(NoStaticRunserver):
    server_cls = NoDelayWSGIServer
