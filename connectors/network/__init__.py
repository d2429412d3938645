"""The network door's hub side: the egress (address) policy every connector's connections pass.

- `policy`: which addresses may be reached (no Django); the runtime hands it to connectors as
  `ConnectorContext.address_policy`, and `ConnectorContext.network` (the door, in the SDK)
  resolves and connects only through it, whatever the protocol.
- `allowlist`: the allow-list staff keep in the app and `policy_from_settings`, the policy the
  dry-run adapter and the Zeebe worker build (Django).
- `models`, `views`, `admin`, `urls`: the allow-list's rows and audit trail, its staff page and
  admin (Django).

docs/network.md describes the door for connector authors.
"""
