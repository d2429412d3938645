"""The polling tests use the inbound tests' engine fixture: the project's Zeebe test engine
behind its REST face, every request checked against rest-api.yaml."""

from tests.inbound.conftest import camunda

__all__ = ["camunda"]
