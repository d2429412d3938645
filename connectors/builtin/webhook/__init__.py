"""Camunda's webhook inbound connectors (docs/webhooks.md): the generic `io.camunda:webhook:1`
(`generic`, which the GitHub, Twilio and EventBridge templates use too), Slack's
`io.camunda:slack-webhook:1` (`slack`) and SNS's `io.camunda:aws-sns-webhook:1` (`sns`), as SDK
`@webhook` functions the inbound runtime calls once per request.

The shared parts: `http` (the `request` variable, multipart parts, refusals and the HTTP answer
for each correlation outcome), `hmac` (signature scopes), `auth` and `jwt` (the generic
webhook's authorization), `fetch` (a GET through the network door, for JWKS and SNS).
"""
