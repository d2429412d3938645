"""Per-secret allowed hosts."""

from __future__ import annotations

import pytest

from connectors.secrets import SecretHostNotAllowed, check_allowed_host, check_allowed_url
from connectors.secrets.hosts import host_matches, pattern_problem


@pytest.mark.parametrize(
    ("pattern", "host", "allowed"),
    [
        ("api.github.com", "api.github.com", True),
        ("api.github.com", "API.GitHub.com.", True),
        ("api.github.com", "api.github.com:8443", True),
        ("api.github.com", "evil-api.github.com", False),
        ("api.github.com", "api.github.com.evil.net", False),
        ("*.slack.com", "hooks.slack.com", True),
        ("*.slack.com", "a.b.slack.com", True),
        ("*.slack.com", "slack.com", False),
        ("*.slack.com", "evilslack.com", False),
        ("localhost:8080", "localhost:8080", True),
        ("localhost:8080", "localhost:9090", False),
        ("localhost:8080", "localhost", False),
        ("127.0.0.1", "127.0.0.1:5000", True),
        ("::1", "[::1]:5000", True),
        ("[::1]:5000", "[::1]:5000", True),
    ],
)
def test_host_patterns(pattern: str, host: str, allowed: bool) -> None:
    assert host_matches(pattern, host) is allowed


def test_empty_list_allows_anywhere() -> None:
    check_allowed_host("A", "anything.example", [])


def test_refusal_names_secret_and_host() -> None:
    with pytest.raises(SecretHostNotAllowed) as caught:
        check_allowed_url("API_TOKEN", "https://attacker.example/x?token=1", ["api.github.com"])
    message = str(caught.value)
    assert "API_TOKEN" in message and "attacker.example" in message
    assert caught.value.host == "attacker.example"
    check_allowed_url("API_TOKEN", "https://api.github.com/user", ["api.github.com"])
    check_allowed_url("T", "http://127.0.0.1:8123/echo", ["127.0.0.1:8123"])


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("https://api.github.com", "write only the host"),
        ("api.github.com/path", "write only the host"),
        ("*", "leave the list empty"),
        ("bad host", "not a host name"),
        ("host:99999", "port"),
        ("host:abc", "port"),
        ("-bad.example", "not a host name"),
    ],
)
def test_bad_patterns_are_explained(pattern: str, fragment: str) -> None:
    problem = pattern_problem(pattern)
    assert problem is not None and fragment in problem


@pytest.mark.parametrize("pattern", ["api.github.com", "*.slack.com", "10.0.0.1", "::1", "h:8080"])
def test_good_patterns(pattern: str) -> None:
    assert pattern_problem(pattern) is None
