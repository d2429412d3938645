"""The `zeebe_address` fixture: one real Zeebe gateway for the whole test session.

Without ZEEBE_ADDRESS and without the fetched distribution the tests that use it are skipped,
and the end of the run says so in one loud line. With ZEEBE_REQUIRED=1 (CI) that is an error
instead, so a broken fetch cannot pass unnoticed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.services import fetched
from tests.services.zeebe import ZeebeUnavailable, zeebe_gateway
from tests.services.zeebe_engine import ZeebeTestEngine

_unavailable: list[str] = []


@pytest.fixture(scope="session")
def zeebe_address() -> Iterator[str]:
    with contextlib.ExitStack() as stack:
        try:
            address = stack.enter_context(zeebe_gateway())
        except ZeebeUnavailable as reason:
            _unavailable.append(str(reason))
            fetched.missing(str(reason), "ZEEBE_REQUIRED")
        yield address


@pytest.fixture
def zeebe_engine() -> Iterator[ZeebeTestEngine]:
    """A fresh test engine (tests/services/zeebe_engine) for one test."""
    with ZeebeTestEngine() as engine:
        yield engine


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _unavailable:
        terminalreporter.write_sep(
            "!", f"Zeebe tests SKIPPED: {_unavailable[0]}", red=True, bold=True
        )
