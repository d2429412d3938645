from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    """The connector hub: catalogue, forms, secrets, runs and the two runtime adapters."""

    name = "connectors"
    verbose_name = "Connectors"

    def ready(self) -> None:
        from connectors import mariadb  # its system check registers on import

        mariadb.register()
