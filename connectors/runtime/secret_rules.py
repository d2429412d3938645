"""The secrets a run used: which hosts they may go to, and the secrets borrowed from someone
else (docs/secrets.md, threat model).

Camunda's `io.camunda.connector.runtime.core.secret.SecretHandler` only replaces references;
these rules are the hub's own (docs/runtime.md, "Where we differ").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeAlias

from connectorhub_sdk import ConnectorInputError, EgressDenied

from connectors.secrets import (
    MappingSecretProvider,
    SecretHostNotAllowed,
    SecretProvider,
    check_allowed_host,
    resolve_references,
)
from connectors.secrets.providers import host_rule, owner_rule
from connectors.secrets.references import find_references_in_text

from .errors import value_free

HostLists: TypeAlias = Callable[[str], Sequence[str]]


def egress_rule(
    used: Mapping[str, str],
    allowed_hosts: HostLists | None,
    provider: SecretProvider,
    *,
    typed: Mapping[str, Any],
) -> Callable[[str], None]:
    """check_egress for a run: every secret in the input must be allowed to go to the host.

    The host lists come from `allowed_hosts`, else from a provider that offers
    `allowed_hosts(name)`; none means no per-secret rule. A refusal names the host only when
    it stands in TYPED (the input as given): a host built from a secret's value is not named.
    """
    if not used:
        return _no_egress_rule  # no secret in the input: nothing to keep anywhere
    lookup = allowed_hosts or host_rule(provider)
    rules: list[tuple[str, list[str]]] = []
    if lookup is not None:
        for name in sorted(used):
            hosts = lookup(name)
            if hosts:
                rules.append((name, list(hosts)))

    def check(host: str) -> None:
        for name, hosts in rules:
            try:
                check_allowed_host(name, host, hosts)
            except SecretHostNotAllowed as exc:
                if _typed_by_user(host, typed):
                    raise value_free(EgressDenied(str(exc))) from None
                shown = SecretHostNotAllowed(name, _UNNAMED_HOST, hosts)
                raise value_free(EgressDenied(str(shown))) from None

    return check


WITHHELD_EXCHANGE_ERROR = (
    "(not shown: made before any answer, from an input holding someone else's secret)"
)
_UNNAMED_HOST = "a host made from the input's secret values (not named here)"


def _typed_by_user(host: str, typed: Mapping[str, Any]) -> bool:
    """Whether HOST (`name` or `name:port`) stands as it is in the input as given; the name
    alone counts too (a connector with separate host and port inputs checks `name:port`)."""
    needle = host.lower()
    if needle.count(":") == 1:  # `name:port` (an IPv6 address is written `[...]:port`)
        needle = needle.split(":")[0]
    return any(needle in text.lower() for _, text in _texts_with_paths(typed, ""))


def _no_egress_rule(host: str) -> None:
    return None


def borrowed_names(provider: SecretProvider, used: Mapping[str, str]) -> frozenset[str]:
    """The used secrets that PROVIDER says belong to someone else (none without an owner rule)."""
    if not used:
        return frozenset()  # most jobs use no secret: no capability check
    borrowed = owner_rule(provider)
    if borrowed is None:
        return frozenset()
    return frozenset(name for name in used if borrowed(name))


def refuse_feel_over_borrowed(
    variables: Mapping[str, Any], borrowed: frozenset[str], used: Mapping[str, str]
) -> None:
    """No FEEL may run over a borrowed secret's value.

    A connector reads a text that starts with `=` as FEEL when it binds its input (Camunda's
    @FEEL fields), after the secrets were filled in; such an expression could reverse or cut
    the value and have it shown in an error. A text that holds a borrowed reference and is
    FEEL once the secrets are in (it starts with `=`, or the value it starts with does) is
    refused before anything runs, naming the field.
    """
    values = MappingSecretProvider(dict(used))
    for path, text in _texts_with_paths(variables, ""):
        if "secrets." not in text:
            continue
        names = sorted(find_references_in_text(text) & borrowed)
        if not names:
            continue
        filled = str(resolve_references(text, values).value)
        if text.lstrip().startswith("=") or filled.lstrip().startswith("="):
            quoted = ", ".join(f"'{name}'" for name in names)
            error = ConnectorInputError(
                f"Property {path or '(input)'}: a FEEL expression (a value starting with '=') "
                f"may not use secret {quoted} in this dry-run. The secret belongs to someone "
                "else, and an expression could compute on its value and show the result. Use "
                "the reference in a plain value, or a secret of your own."
            )
            error.field = path or None
            raise value_free(error)


def _texts_with_paths(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every text inside VALUE (keys included) with the dotted path of where it stands."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                yield inner, key
            yield from _texts_with_paths(item, inner)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _texts_with_paths(item, f"{path}.{index}" if path else str(index))


# --------------------------------------------------------------------------------------------
# Result and error expressions
# --------------------------------------------------------------------------------------------
