"""Connectors that ship with ConnectorHub.

Each module here defines one or more `OutboundConnector` values (usually with `@connector`);
`connectors.registry` imports the modules listed in BUILTIN_MODULES and collects them.
"""

from connectorhub_sdk.types import use_feel_engine

from connectors import feel

BUILTIN_MODULES: tuple[str, ...] = (
    "connectors.builtin.noop",
    "connectors.builtin.http.rest",
    "connectors.builtin.http.graphql",
    "connectors.builtin.http.soap",
    "connectors.builtin.email.connector",
    "connectors.builtin.jdbc",
    "connectors.builtin.rabbitmq.connector",
    "connectors.builtin.aws.sqs",
    "connectors.builtin.aws.sns",
    "connectors.builtin.aws.eventbridge",
    "connectors.builtin.aws.awslambda",
    "connectors.builtin.aws.dynamodb",
    "connectors.builtin.aws.s3",
    "connectors.builtin.aws.comprehend",
    "connectors.builtin.aws.textract",
    "connectors.builtin.aws.sagemaker",
    "connectors.builtin.aws.bedrock",
    "connectors.builtin.cloudstorage.azure",
    "connectors.builtin.cloudstorage.gcs",
    "connectors.builtin.kafka",
    "connectors.builtin.csv",
)

# Modules defining inbound connectors (`connectorhub_sdk.inbound`: `@webhook`, `@consumer`),
# collected by the inbound runtime (docs/inbound.md).
INBOUND_MODULES: tuple[str, ...] = (
    "connectors.builtin.webhook.generic",
    "connectors.builtin.webhook.slack",
    "connectors.builtin.webhook.sns",
    "connectors.builtin.rabbitmq.inbound",
    "connectors.builtin.kafka.inbound",
    "connectors.builtin.aws.sqs_inbound",
    "connectors.builtin.email.inbound",
    "connectors.builtin.http.polling",
)


def _evaluate_feel(expression: str) -> object:
    """The hub's FEEL engine for the SDK's loose input types (a `=` text in a variable)."""
    try:
        return feel.to_json(feel.evaluate(expression, {}))
    except feel.FeelError as exc:
        raise ValueError(str(exc)) from None


# Installed here because every connector, built-in or plugin, reaches the hub through this
# package (the registry imports it first), so binding anywhere in the hub can read FEEL.
use_feel_engine(_evaluate_feel)
