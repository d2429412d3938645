"""The neutral shape every kind of description is read into before templates are generated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Location = Literal["path", "query", "header", "body"]
AuthType = Literal["noAuth", "basic", "bearer", "apiKey", "oauth-client-credentials-flow"]


@dataclass(frozen=True)
class Auth:
    """One way to authenticate, in the REST template's terms (`authentication.type`)."""

    type: AuthType
    label: str
    # apiKey: the key's name and "headers" or "query"; OAuth: token URL and scopes
    name: str = ""
    location: str = ""
    token_url: str = ""
    scopes: str = ""


@dataclass
class Parameter:
    name: str
    location: Location
    required: bool = False
    description: str = ""
    schema: dict[str, Any] = field(default_factory=dict)  # resolved, JSON Schema-like
    example: Any = None


@dataclass
class Body:
    media_type: str
    required: bool = False
    example: Any = None  # a JSON value (JSON bodies) or a text
    # a flat JSON object: one field per property instead of one body field
    fields: list[Parameter] = field(default_factory=list)


@dataclass
class Operation:
    key: str  # stable: the operationId, else method and path (ids are built from it)
    method: str
    path: str  # with {name} placeholders for path parameters
    summary: str = ""
    description: str = ""
    parameters: list[Parameter] = field(default_factory=list)
    body: Body | None = None
    auth: list[Auth] = field(default_factory=list)  # alternatives; noAuth among them if optional
    tags: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.summary or f"{self.method} {self.path}"


@dataclass(frozen=True)
class Skipped:
    """An operation no template is made for, and why (shown in the import report)."""

    key: str
    method: str
    path: str
    reason: str


@dataclass(frozen=True)
class Server:
    url: str
    description: str = ""


@dataclass
class Api:
    title: str
    version: str = ""
    description: str = ""
    documentation: str = ""
    servers: list[Server] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
