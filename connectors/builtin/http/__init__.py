"""Camunda's HTTP connectors, drop-in: REST (`rest.py`), GraphQL (`graphql.py`) and SOAP
(`soap.py`), on one HTTP client (`client.py`) with Camunda's authentication (`auth.py`),
result and error shapes (`response.py`) and the hub's egress policy (`egress.py`).

docs/http-connectors.md explains each choice where Camunda left the behaviour open.
"""
