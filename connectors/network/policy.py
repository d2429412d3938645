"""Egress policy: which network addresses a connector may connect to, whatever its protocol.

The hub runs requests on behalf of whoever can open a form, so a dry-run must not become a way
into the hub's own network. The policy resolves a host name once, refuses addresses in the
blocked ranges (loopback, private, link-local, cloud metadata, ...) unless the allowlist admits
them, and hands back the addresses it checked; the network door (`ConnectorContext.network`)
connects to exactly those, so a second DNS answer cannot swap in another address (DNS
rebinding). docs/network.md describes the door.

An allowed answer is reused for ANSWER_TTL seconds per (policy, host, port): the checked addresses
are still the only ones connected to, so reuse cannot let a rebinding answer in; a refusal or a
DNS failure is never reused.

This module knows no Django: the runtime passes a policy to connectors through
`ConnectorContext.address_policy`, built by `allowlist.policy_from_settings` (the hub's
settings and the allow-list staff keep in the app).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

from connectorhub_sdk import EgressDenied

from connectors.secrets.hosts import host_matches, pattern_problem

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver: TypeAlias = Callable[[str, int], list[str]]

# Instance metadata services hand out cloud credentials: named separately so the refusal says so.
CLOUD_METADATA: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(net)
    for net in (
        "169.254.169.254/32",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        "169.254.170.2/32",  # AWS ECS task metadata
        "fd00:ec2::254/128",  # AWS over IPv6
        "100.100.100.200/32",  # Alibaba Cloud
        "192.0.0.192/32",  # Oracle Cloud
    )
)
# Reserved for documentation and examples (TEST-NET-1/2/3, RFC 5737; 2001:db8::/32, RFC 3849):
# Python counts them as private, but nobody's own API lives there, so the refusal says what
# they really are.
DOCUMENTATION: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(net)
    for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)
# What CONNECTORHUB_DEV_ALLOW_LOOPBACK admits (`make run` on a developer's machine).
LOOPBACK_ALLOW = ("127.0.0.0/8", "::1/128")
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, often internal
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known NAT64 prefix (RFC 6052)

ALLOWLIST_PAGE = "/status/egress/"  # connectors/network/urls.py; this module does not import Django
ANSWER_TTL = 5.0  # seconds an allowed answer is reused: short, as DNS answers change
MAX_ANSWERS = 512


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address hands traffic to, if it is one of the forms that do.

    ::ffff:a.b.c.d reaches a.b.c.d directly; 6to4 (2002::/16), NAT64 (64:ff9b::/96) and Teredo
    (2001::/32, the client half) carry it to a gateway that forwards there, so a blocked IPv4
    address must not become reachable by writing it in one of these forms.
    """
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.teredo is not None:
        return address.teredo[1]
    return None


def blocked_rule(address: IPAddress) -> str | None:
    """The name of the rule that blocks ADDRESS, or None when it is a public address."""
    carried = embedded_ipv4(address)
    if carried is not None:
        rule = blocked_rule(carried)
        if rule is not None or _is_mapped(address):
            return rule  # a mapped address is exactly the IPv4 address; the others are not
    if any(address in net for net in CLOUD_METADATA):
        return "cloud-metadata"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_unspecified:
        return "unspecified"  # 0.0.0.0 reaches the local machine on Linux
    if address.is_multicast:
        return "multicast"
    if any(address in net for net in DOCUMENTATION):
        return "documentation"
    if address.is_private or address in _SHARED_ADDRESS_SPACE:
        return "private"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"  # fec0::/10: deprecated, yet still routed internally where used
    if address.is_reserved:
        return "reserved"
    return None


_RULE_WORDS = {
    "cloud-metadata": "a cloud metadata address",
    "loopback": "a loopback address",
    "link-local": "a link-local address",
    "unspecified": "the unspecified address",
    "multicast": "a multicast address",
    "documentation": "an address reserved for documentation (TEST-NET)",
    "private": "a private network address",
    "site-local": "a site-local address",
    "reserved": "a reserved address",
}


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for HOST (TCP), in its order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


class HostNotResolved(OSError):
    """The host name has no address (DNS failure); an OSError, as the socket module's own
    lookup failures, so client libraries handle it as they handle those."""


@dataclass(frozen=True)
class HostVerdict:
    """What the policy will do with a host: `allowed`, `refused` (message says why) or
    `unknown` (a name whose address is only known once the run resolves it)."""

    verdict: Literal["allowed", "refused", "unknown"]
    message: str


@dataclass(frozen=True)
class EgressPolicy:
    """Refuse blocked addresses unless `allow` admits them.

    `allow` holds host patterns (`api.internal`, `*.corp.example`, `localhost:8080`; as in
    secrets' allowed hosts) and CIDR ranges (`10.1.0.0/16`, `127.0.0.1`). `setting` names the
    setting that holds the list, so a refusal tells the user where to change it.
    """

    allow_hosts: tuple[str, ...] = ()
    allow_networks: tuple[IPNetwork, ...] = ()
    setting: str = "CONNECTORHUB_EGRESS_ALLOW"
    resolver: Resolver = system_resolver

    @classmethod
    def from_allowlist(
        cls, entries: Iterable[str], *, setting: str = "CONNECTORHUB_EGRESS_ALLOW"
    ) -> EgressPolicy:
        hosts: list[str] = []
        networks: list[IPNetwork] = []
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            network = _network(entry)
            if network is not None:
                networks.append(network)
            else:
                hosts.append(entry.lower())
        return cls(tuple(hosts), tuple(networks), setting)

    def __hash__(self) -> int:
        # The policy keys the reused answers and the connection pools, several times a
        # request, and the hash of its networks is computed in Python each time: the fields
        # are immutable, so it is computed once. Pickles leave it out (__getstate__): another
        # process hashes strings and functions differently.
        cached: int | None = self.__dict__.get("_hash")
        if cached is None:
            cached = hash((self.allow_hosts, self.allow_networks, self.setting, self.resolver))
            object.__setattr__(self, "_hash", cached)
        return cached

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_hash", None)
        return state

    def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of HOST that may be connected to; EgressDenied naming the rule if
        none may, HostNotResolved if the name has no address."""
        key = (self, host, port)
        now = time.monotonic()
        with _answers_lock:
            answer = _answers.get(key)
            if answer is not None and answer[0] > now:
                return list(answer[1])
        allowed = self._check(host, port)
        with _answers_lock:
            _answers[key] = (now + ANSWER_TTL, tuple(allowed))
            _answers.move_to_end(key)
            while len(_answers) > MAX_ANSWERS:
                _answers.popitem(last=False)
        return allowed

    def reused(self, host: str, port: int) -> list[str] | None:
        """The allowed answer `resolve` would reuse now, if any (no DNS question)."""
        with _answers_lock:
            answer = _answers.get((self, host, port))
        if answer is None or answer[0] <= time.monotonic():
            return None
        return list(answer[1])

    def precheck(self, host: str, port: int) -> HostVerdict:
        """What `resolve` will say about HOST, decided without DNS (a form can ask it while the
        user types): literal addresses and `localhost` are judged, other names are "unknown"."""
        bare = host.strip("[]").lower().rstrip(".")
        if self._named(bare, port):
            return HostVerdict("allowed", "")
        literal = _address(bare)
        if literal is not None:
            candidates = [literal]
        elif bare == "localhost" or bare.endswith(".localhost"):
            # RFC 6761: localhost names are loopback, whatever a resolver might be told.
            candidates = [ipaddress.IPv4Address("127.0.0.1"), ipaddress.IPv6Address("::1")]
        else:
            return HostVerdict(
                "unknown", f"The address of {bare} will be checked when the run starts."
            )
        if any(self._admits(address) for address in candidates):
            return HostVerdict("allowed", "")
        rule = blocked_rule(candidates[0]) or "reserved"
        subject = _described(candidates[0]) if literal is not None else f"{bare} is"
        return HostVerdict("refused", f"{subject} {_RULE_WORDS[rule]}: dry-runs may not reach it.")

    def _named(self, bare: str, port: int) -> bool:
        return any(
            host_matches(p, bare) or host_matches(p, f"{bare}:{port}") for p in self.allow_hosts
        )

    def _admits(self, address: IPAddress) -> bool:
        return blocked_rule(address) is None or any(address in n for n in self.allow_networks)

    def _check(self, host: str, port: int) -> list[str]:
        bare = host.strip("[]")
        named = self._named(bare, port)
        literal = _address(bare)
        if literal is not None:
            candidates = [str(literal)]
        else:
            try:
                candidates = self.resolver(bare, port)
            except (OSError, UnicodeError) as exc:
                raise HostNotResolved(f"Could not resolve host '{bare}': {_reason(exc)}") from None
            if not candidates:
                raise HostNotResolved(f"Could not resolve host '{bare}': no address")
        if named:
            return candidates  # still pinned: the checked answer is the one used
        allowed: list[str] = []
        refusals: list[str] = []
        for text in candidates:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if self._admits(address):
                allowed.append(text)
            else:
                rule = blocked_rule(address) or "reserved"  # never None when not admitted
                refusals.append(f"{_described(address)} {_RULE_WORDS[rule]} (rule '{rule}')")
        if not allowed:
            shown = (
                bare if literal is not None else f"{bare} resolves to {refusals[0].split(' ')[0]}"
            )
            raise EgressDenied(
                f"The egress policy refused {shown}: {'; '.join(refusals)}. Staff can allow it "
                f"on the hub's egress allow-list page ({ALLOWLIST_PAGE}) or with the setting "
                f"{self.setting} (host names and CIDR ranges, comma-separated)."
            )
        return allowed


# (policy, host, port) -> (expiry on time.monotonic, the allowed addresses)
_answers: OrderedDict[tuple[EgressPolicy, str, int], tuple[float, tuple[str, ...]]] = OrderedDict()
_answers_lock = threading.Lock()


def forget_answers() -> None:
    """Drop every reused answer (tests)."""
    with _answers_lock:
        _answers.clear()


def _is_mapped(address: IPAddress) -> bool:
    return isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None


def _described(address: IPAddress) -> str:
    carried = embedded_ipv4(address)
    if carried is None or _is_mapped(address):
        return f"{address} is"
    return f"{address} carries {carried},"


def _network(entry: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(entry.strip("[]"), strict=False)
    except ValueError:
        return None


def _address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror) and exc.args and len(exc.args) > 1:
        return str(exc.args[1])
    return str(exc) or type(exc).__name__


def allowlist_problems(entries: Sequence[str]) -> list[str]:
    """Entries that are neither a CIDR range nor a host pattern (checked at start-up)."""
    problems = []
    for entry in entries:
        if _network(entry) is None:
            problem = pattern_problem(entry)
            if problem:
                problems.append(problem)
    return problems


__all__ = [
    "CLOUD_METADATA",
    "EgressPolicy",
    "HostNotResolved",
    "HostVerdict",
    "allowlist_problems",
    "blocked_rule",
    "embedded_ipv4",
    "forget_answers",
    "system_resolver",
]
