"""Where a secret may be sent: a per-secret list of host patterns, checked before a request.

A pattern is a host name (`api.github.com`), a wildcard for its subdomains (`*.slack.com`:
`hooks.slack.com` and `a.b.slack.com`, not `slack.com` itself), or an IP address, each
optionally with `:port`. Without a port any port matches. An empty list means anywhere.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from connectors.secrets.errors import SecretHostNotAllowed

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"{_LABEL}(\.{_LABEL})*", re.ASCII)


def check_allowed_host(name: str, host: str, allowed_hosts: Sequence[str]) -> None:
    """Raise SecretHostNotAllowed unless secret NAME may go to HOST (`name[:port]`)."""
    if not allowed_hosts:
        return
    if not any(host_matches(pattern, host) for pattern in allowed_hosts):
        raise SecretHostNotAllowed(name, host, list(allowed_hosts))


def check_allowed_url(name: str, url: str, allowed_hosts: Sequence[str]) -> None:
    """check_allowed_host for the host (and port, if written) of URL."""
    check_allowed_host(name, host_of_url(url), allowed_hosts)


def host_of_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port is not None else host


def host_matches(pattern: str, host: str) -> bool:
    pattern_host, pattern_port = _split_port(_normalise(pattern))
    target_host, target_port = _split_port(_normalise(host))
    if pattern_port is not None and pattern_port != target_port:
        return False
    if pattern_host.startswith("*."):
        return target_host.endswith(pattern_host[1:]) and len(target_host) > len(pattern_host) - 1
    return pattern_host == target_host


def pattern_problem(pattern: str) -> str | None:
    """Why PATTERN is not a usable allowed-host entry, or None."""
    if "://" in pattern or "/" in pattern:
        return f"'{pattern}' is not a host: write only the host name, e.g. api.github.com"
    host, port = _split_port(_normalise(pattern))
    if port is not None and not (0 < port < 65536):
        return f"'{pattern}' has a port outside 1-65535"
    if host == "*" or host == "":
        return f"'{pattern}' matches nothing useful: leave the list empty to allow any host"
    bare = host[2:] if host.startswith("*.") else host
    if _is_ip(bare) and not host.startswith("*."):
        return None
    if not _HOSTNAME.fullmatch(bare):
        return (
            f"'{pattern}' is not a host name (letters, digits, - and dots; "
            "*.example.com for its subdomains)"
        )
    return None


def _normalise(host: str) -> str:
    return host.strip().lower().rstrip(".")


def _split_port(host: str) -> tuple[str, int | None]:
    if host.startswith("["):  # [IPv6]:port
        end = host.find("]")
        rest = host[end + 1 :]
        port_text = rest[1:] if rest.startswith(":") else ""
        return host[1:end], _port(port_text)
    if host.count(":") == 1:
        name, _, port_text = host.partition(":")
        return name, _port(port_text)
    return host, None


def _port(text: str) -> int | None:
    if not text:
        return None
    return int(text) if text.isdigit() else -1  # -1: written but not a number


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
