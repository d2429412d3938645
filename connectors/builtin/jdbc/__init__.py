"""Camunda's SQL Database connector, `io.camunda:connector-jdbc:1`: every input any version of
the official template produces, Jdbi's parameter binding, Camunda's result shape
(`resultSet` or `modifiedRows`) and its error messages. PostgreSQL through psycopg, MySQL and
MariaDB through PyMySQL, SQL Server through python-tds, Oracle through python-oracledb (thin);
every connection goes through the network door. docs/sql-connector.md lists our choices."""

from __future__ import annotations

from typing import Any, Literal

from connectorhub_sdk import (
    JSON,
    ConnectorContext,
    ConnectorError,
    ConnectorInputError,
    connector,
    ui,
)
from connectorhub_sdk.types import FeelObject, FeelTextMap, Flag, Text
from pydantic import BaseModel, ConfigDict, Field

from . import connection, drivers, replay
from .params import BindingError, bind, check_variables
from .replay import SqlExchange

Database = Literal["MARIADB", "MSSQL", "MYSQL", "POSTGRESQL", "ORACLE"]


class ConnectionInput(BaseModel):
    """Camunda's `connection`: a URI (with properties) or detailed settings."""

    model_config = ConfigDict(extra="ignore")
    authType: Literal["uri", "detailed"] = Field(default="uri", title="Connection type")
    uri: Text | None = Field(default=None, title="URI", json_schema_extra=ui(secret=True))
    uriProperties: FeelTextMap = Field(default=None, title="URI properties")
    host: Text | None = None
    port: Text | None = None
    username: Text | None = None
    password: Text | None = Field(default=None, json_schema_extra=ui(secret=True))
    databaseName: Text | None = Field(default=None, title="Database name")
    properties: FeelTextMap = Field(default=None, title="Connection properties")


class QueryInput(BaseModel):
    """Camunda's `data`: the statement, its variables and whether it returns rows."""

    model_config = ConfigDict(extra="ignore")
    returnResults: Flag = Field(default=False, title="Return results")
    query: Text = Field(min_length=1, title="SQL query")
    variables: FeelObject = Field(default=None, title="SQL query variables")


class JdbcInput(BaseModel):
    """The union of the inputs of every version of Camunda's JDBC connector template."""

    model_config = ConfigDict(extra="ignore")
    database: Database = "POSTGRESQL"
    connection: ConnectionInput | None = None
    configuration: Any = Field(
        default=None, description="A reusable connection credential; wins over `connection`"
    )
    data: QueryInput


@connector(
    type="io.camunda:connector-jdbc:1",
    name="SQL Database Connector",
    input=JdbcInput,
    description="Run one SQL statement on PostgreSQL, MySQL, MariaDB, SQL Server or Oracle; runs "
    "Camunda's official SQL Database connector templates unchanged.",
    documentation_ref="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/sql/",
)
def jdbc(data: JdbcInput, context: ConnectorContext) -> JSON:
    """Run the statement and return `{"resultSet": [...]}` or `{"modifiedRows": n}`."""
    target = _target(data)
    query = data.data.query
    variables = check_variables(data.data.variables)
    try:
        style = "numeric" if target.protocol == "oracle" else "format"
        statement, values = bind(query, variables, style)
    except BindingError as exc:
        raise ConnectorError(None, f"Error while executing the query [{query}]: {exc}") from None
    summary = " ".join(query.split())
    exchange = SqlExchange(
        protocol=target.protocol,
        target=target.where,
        summary=summary[:120],
        request_body=f"{query}\n-- parameters: {values!r}" if values else query,
        statement=query,
        parameters=replay.plain(values),
    )
    with replay.recorded(context, exchange):
        try:
            result = replay.answer(
                context,
                exchange,
                lambda: drivers.run(
                    target, statement, values, return_results=data.data.returnResults,
                    context=context,
                ),
            )  # fmt: skip
        except drivers.DriverMissing as exc:
            raise ConnectorError(None, str(exc)) from None
        except drivers.ConnectFailed as exc:
            raise ConnectorError(None, f"Cannot create the Database connection: {exc}") from None
        except drivers.QueryFailed as exc:
            raise ConnectorError(
                None, f"Error while executing the query [{query}]: {exc}"
            ) from None
        if "modifiedRows" in result:
            exchange.status, exchange.response_body = (
                "ok",
                f"{result['modifiedRows']} modified rows",
            )
        else:
            exchange.status, exchange.response_body = "ok", f"{len(result['resultSet'])} rows"
        return result


def _target(data: JdbcInput) -> connection.Target:
    """The configuration credential, else the inline URI or detailed connection."""
    chosen = connection.from_configuration(data.database, data.configuration)
    if chosen is not None:
        return chosen
    c = data.connection
    if c is None:
        raise ConnectorError(
            None,
            "No JDBC connection provided: fill in the connection fields or select a connection "
            "credential",
        )
    if c.authType == "uri":
        if not c.uri:
            raise ConnectorInputError("must not be blank", field="connection.uri")
        return connection.from_uri(data.database, c.uri, c.uriProperties)
    return connection.from_details(
        data.database, c.host, c.port, c.username, c.password, c.databaseName, c.properties
    )
