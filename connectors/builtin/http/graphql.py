"""Camunda's GraphQL connector, `io.camunda:connector-graphql:1`, drop-in (docs/camunda-compat.md
4.1, 4.2): POST sends `{query, variables}` as JSON, GET sends them as query parameters; the
authentication, timeouts, result shape and HTTP errors are the REST connector's."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from connectorhub_sdk import JSON, ConnectorContext, ConnectorError, connector
from connectorhub_sdk.types import FeelMap, FeelText, FeelTextMap, Flag, OptionalInt, Text
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from .auth import Authentication, apply_auth
from .client import HttpCall, execute
from .deadline import ends_by_deadline
from .rest import (
    DocumentReturnFormat,
    _method,
    effective_auth,
    effective_url,
    reply_result,
    timeouts,
    user_headers,
)

Method = Annotated[Literal["GET", "POST", "PUT", "PATCH", "DELETE"], BeforeValidator(_method)]


class LegacyToken(BaseModel):
    """Templates v1-3 bind the bearer token to `graphql.authentication.token`."""

    model_config = ConfigDict(extra="ignore")
    token: Text | None = None


class GraphqlRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    url: FeelText | None = None  # may come from the chosen credential (rest-authentication v2)
    method: Method = "POST"
    headers: FeelTextMap = None
    query: Text = Field(min_length=1)
    variables: FeelMap = None
    connectionTimeoutInSeconds: OptionalInt = Field(default=None, ge=0)
    readTimeoutInSeconds: OptionalInt = Field(default=None, ge=0)
    storeResponse: Flag = False
    authentication: LegacyToken | None = None


class GraphqlInput(BaseModel):
    """The union of the inputs of every version of Camunda's GraphQL connector template."""

    model_config = ConfigDict(extra="ignore")
    graphql: GraphqlRequest
    authentication: Authentication | None = None
    authenticationConfiguration: Any = None
    documentReturnFormat: DocumentReturnFormat | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_bearer(cls, data: Any) -> Any:
        """A v1-3 bearer token, which Camunda's model never read (a bug it later fixed), is
        used as `authentication.token` here."""
        if not isinstance(data, dict):
            return data
        auth, section = data.get("authentication"), data.get("graphql")
        if isinstance(auth, dict) and auth.get("type") == "bearer" and not auth.get("token"):
            legacy = section.get("authentication") if isinstance(section, dict) else None
            if isinstance(legacy, dict) and legacy.get("token"):
                data = {**data, "authentication": {**auth, "token": legacy["token"]}}
        return data


@connector(
    type="io.camunda:connector-graphql:1",
    name="GraphQL Outbound Connector",
    input=GraphqlInput,
    description="Execute a GraphQL query; runs Camunda's official GraphQL templates unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/protocol/graphql/",
)
@ends_by_deadline  # every request goes through execute()
def graphql(data: GraphqlInput, context: ConnectorContext) -> JSON:
    """Send one GraphQL query and return Camunda's HTTP result shape."""
    request = data.graphql
    headers: list[tuple[str, str]] = []
    query_params: list[tuple[str, str]] = []
    auth = effective_auth(data.authentication, data.authenticationConfiguration)
    apply_auth(auth, headers, query_params, context)
    query = clean_query(request.query)
    content = None
    if request.method in ("POST", "PUT", "PATCH"):
        payload: dict[str, Any] = {"query": query}
        if request.variables is not None:
            payload["variables"] = request.variables
        content = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        if not any(k.lower() == "content-type" for k in (request.headers or {})):
            headers.append(("Content-Type", "application/json"))
    else:
        query_params.append(("query", query))
        if request.variables is not None:
            query_params.append(("variables", json.dumps(request.variables, ensure_ascii=False)))
    headers += user_headers(request.headers or {}, replace_boundary=False)
    connect, read = timeouts(request.connectionTimeoutInSeconds, request.readTimeoutInSeconds)
    reply = execute(
        HttpCall(
            method=request.method,
            url=effective_url(request.url, data.authenticationConfiguration, "graphql.url"),
            headers=headers,
            query=query_params,
            content=content,
            connect_timeout=connect,
            read_timeout=read,
            url_field="graphql.url",
        ),
        context,
    )
    result = reply_result(
        reply,
        data.documentReturnFormat,
        store_response=request.storeResponse,
        documents=context.documents,
    )
    _raise_graphql_errors(result)
    return result


def clean_query(query: str) -> str:
    """Camunda deletes the two characters `\\n` and turns `\\"` into `"` (left over from
    templates that escaped the query text)."""
    return query.replace("\\n", "").replace('\\"', '"')


def _raise_graphql_errors(result: dict[str, JSON]) -> None:
    """Camunda 8.10: a response with a non-empty `errors` list is an error, code GRAPHQL_ERROR."""
    body = result.get("body")
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors:
        return
    first = errors[0]
    message = first.get("message") if isinstance(first, dict) else None
    raise ConnectorError(
        "GRAPHQL_ERROR",
        message if isinstance(message, str) and message else "GraphQL response contains errors",
        {"response": {"body": body, "headers": result.get("headers")}},
    )


__all__ = ["GraphqlInput", "clean_query", "graphql"]
