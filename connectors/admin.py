"""Django admin registrations, one section per area."""

from connectors.network import admin as egress_admin  # noqa: F401  (the egress allow-list)
from connectors.secrets import admin as secrets_admin  # noqa: F401  (registers Secret)
