"""Camunda's RabbitMQ producer, `io.camunda:connector-rabbitmq:1` (docs/rabbitmq-connector.md):
the declaration in `connector`, the input in `model`, the message in `message`, the broker and
its connection through the network door in `connection`, failures as Camunda's in `errors`."""
