from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    """The connector hub: catalogue, forms, secrets, runs and the two runtime adapters."""

    name = "connectors"
    verbose_name = "Connectors"
