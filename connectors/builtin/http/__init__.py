"""Camunda's HTTP connectors, drop-in: REST (`rest.py`), GraphQL (`graphql.py`) and SOAP
(`soap.py`), on one HTTP client (`client.py`, with its parts `transport.py`, `deadline.py`,
`urls.py`, `decoding.py`, `errors.py`, `tls.py` and `trace.py`) with Camunda's authentication
(`auth.py`), result and error shapes (`response.py`); connections go through the network door
(`ConnectorContext.network`, the egress policy in `connectors/network/`).

docs/http-connectors.md explains each choice where Camunda left the behaviour open.
"""
