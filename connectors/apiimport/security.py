"""Security schemes onto the REST template's `authentication` kinds (camunda/connectors
`HttpAuthentication` and the openapi-parser's `SecurityUtil` decide the same four kinds; we add
OAuth 2.0 flows other than client credentials and OpenID Connect as a bearer token obtained
elsewhere, and name every scheme the REST template cannot express)."""

from __future__ import annotations

from typing import Any

from .model import Auth

NO_AUTH = Auth("noAuth", "None")


def map_scheme(name: str, scheme: Any, scopes: list[str]) -> Auth | str:
    """The REST template's authentication for SCHEME, or why there is none."""
    if not isinstance(scheme, dict):
        return f"security scheme {name!r} is not defined"
    kind = scheme.get("type")
    if kind == "http":
        http = str(scheme.get("scheme", "")).lower()
        if http == "basic":
            return Auth("basic", f"Basic ({name})")
        if http == "bearer":
            return Auth("bearer", f"Bearer token ({name})")
        return f"HTTP authentication scheme {http!r} ({name}): the REST template has none such"
    if kind == "basic":  # Swagger 2.0
        return Auth("basic", f"Basic ({name})")
    if kind == "apiKey":
        where = scheme.get("in")
        if where in ("header", "query"):
            location = "headers" if where == "header" else "query"
            return Auth(
                "apiKey", f"API key ({name})", name=str(scheme.get("name", "")), location=location
            )
        return f"API key in a {where} ({name}): the REST template sends keys in headers or query"
    if kind == "oauth2":
        return _oauth(name, scheme, scopes)
    if kind == "openIdConnect":
        return Auth("bearer", f"Bearer token from OpenID Connect ({name})")
    return f"security scheme type {kind!r} ({name}): the REST template has none such"


def _oauth(name: str, scheme: dict[str, Any], scopes: list[str]) -> Auth:
    flows = scheme.get("flows") or {}
    # OpenAPI 3: flows.clientCredentials; Swagger 2.0: flow "application"
    client = flows.get("clientCredentials") if isinstance(flows, dict) else None
    if client is None and scheme.get("flow") == "application":
        client = scheme
    if isinstance(client, dict):
        wanted = scopes or list((client.get("scopes") or {}).keys())
        return Auth(
            "oauth-client-credentials-flow",
            f"OAuth 2.0 client credentials ({name})",
            token_url=str(client.get("tokenUrl", "")),
            scopes=" ".join(wanted),
        )
    return Auth("bearer", f"Bearer token, an OAuth 2.0 access token ({name})")


def map_requirements(requirements: Any, schemes: dict[str, Any]) -> tuple[list[Auth], list[str]]:
    """The alternatives of a `security` list, and why the others cannot be offered."""
    if not isinstance(requirements, list) or not requirements:
        return [NO_AUTH], []
    found: list[Auth] = []
    problems: list[str] = []
    for requirement in requirements:
        if not isinstance(requirement, dict) or not requirement:
            auth: Auth | str = NO_AUTH
        elif len(requirement) > 1:
            auth = f"needs {' and '.join(requirement)} together: the REST template sends one"
        else:
            ((name, scopes),) = requirement.items()
            if name not in schemes:  # a slip of the description: offer no authentication
                problems.append(f"security scheme {name!r} is not defined; none offered for it")
                auth = NO_AUTH
            else:
                auth = map_scheme(name, schemes[name], list(scopes or []))
        if isinstance(auth, str):
            problems.append(auth)
        elif auth not in found:
            found.append(auth)
    return found, problems
