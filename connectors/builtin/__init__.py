"""Connectors that ship with ConnectorHub.

Each module here defines one or more `OutboundConnector` values (usually with `@connector`);
`connectors.registry` imports the modules listed in BUILTIN_MODULES and collects them.
"""

BUILTIN_MODULES: tuple[str, ...] = (
    "connectors.builtin.noop",
    "connectors.builtin.http.rest",
    "connectors.builtin.http.graphql",
    "connectors.builtin.http.soap",
)
