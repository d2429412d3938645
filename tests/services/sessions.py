"""The real servers the connector tests share, one of each per test session (per xdist worker),
started on first use. Defined once here (tests/conftest.py registers this module as a plugin):
a session fixture imported into several test modules would be a separate fixture in each and
start its server again. The files that use a server share its `xdist_group`, so they run on one
worker and meet the same instance; tests reset what they changed.

The server modules are imported inside the fixtures: a session that needs none of them loads
none of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def moto_session() -> Iterator[Any]:
    from connectors.builtin.aws import base  # its clients are closed after the server
    from tests.services.moto import moto_server  # lazily: see the module docstring

    with moto_server() as running:
        yield running
    base.close_clients()


@pytest.fixture
def moto(moto_session: Any) -> Any:
    """The session's moto, emptied."""
    moto_session.reset()
    return moto_session


@pytest.fixture(scope="session")
def kafka_server() -> Iterator[Any]:
    from connectors.builtin.kafka.pool import POOL  # the kept producers, closed first
    from tests.services.kafka import kafka  # lazily: see the module docstring

    with kafka() as running:
        yield running
        POOL.clear()  # the kept producers go before their broker does


@pytest.fixture(scope="session")
def mail_server() -> Iterator[Any]:
    from tests.services.greenmail import greenmail  # lazily: see the module docstring

    with greenmail() as running:
        yield running


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    from tests.services import sql_servers  # lazily: see the module docstring

    with sql_servers.postgresql() as server:
        yield server


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[Any]:
    from tests.services import sql_servers  # lazily: see the module docstring

    with sql_servers.mariadb() as server:
        yield server


@pytest.fixture(scope="session")
def broker_session() -> Iterator[Any]:
    from tests.services.rabbitmq import rabbitmq  # lazily: see the module docstring

    with rabbitmq() as running:
        yield running
