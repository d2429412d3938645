"""Django admin registrations, one section per area."""

from connectors.secrets import admin as secrets_admin  # noqa: F401  (registers Secret)
