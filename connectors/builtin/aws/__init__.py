"""Camunda's AWS connectors: SQS, SNS and EventBridge (outbound) on one base (`base.py`:
authentication, region, endpoint, calls through the network door; `errors.py`: the SDK's
failures as Camunda reports them). docs/aws-connectors.md."""
