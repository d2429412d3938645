"""The app's models, one module per area, re-exported here for Django."""

from connectors.models.secrets import Secret, SecretAuditEvent  # noqa: F401
