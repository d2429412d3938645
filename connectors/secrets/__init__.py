"""Secrets: resolution of references, providers, redaction and host checks.

Everything importable from here is plain Python (no Django), so the runtime core can use it
anywhere. The database store, services and selectors (Django) live in `store`, `services` and
`selectors` and are imported from there explicitly.
"""

from connectors.secrets.errors import (
    SecretDecryptError,
    SecretError,
    SecretHostNotAllowed,
    SecretNotFoundError,
    SecretsKeyError,
    SecretUseRefused,
)
from connectors.secrets.hosts import check_allowed_host, check_allowed_url, host_of_url
from connectors.secrets.policy import DryRunSecretPolicy
from connectors.secrets.providers import (
    ChainSecretProvider,
    DescribesSecrets,
    EnvironmentSecretProvider,
    Labelled,
    MappingSecretProvider,
    MarksBorrowed,
    ProviderChain,
    RestrictsHosts,
    SecretProvider,
)
from connectors.secrets.redaction import MASK, Redactor
from connectors.secrets.references import (
    ResolvedSecrets,
    find_references,
    resolve_references,
    resolve_references_in_json,
)

__all__ = [
    "MASK",
    "ChainSecretProvider",
    "DescribesSecrets",
    "DryRunSecretPolicy",
    "EnvironmentSecretProvider",
    "Labelled",
    "MappingSecretProvider",
    "MarksBorrowed",
    "ProviderChain",
    "Redactor",
    "ResolvedSecrets",
    "RestrictsHosts",
    "SecretDecryptError",
    "SecretError",
    "SecretHostNotAllowed",
    "SecretNotFoundError",
    "SecretProvider",
    "SecretUseRefused",
    "SecretsKeyError",
    "check_allowed_host",
    "check_allowed_url",
    "find_references",
    "host_of_url",
    "resolve_references",
    "resolve_references_in_json",
]
