"""Camunda's email connector, `io.camunda:email:1` (docs/email-connector.md): SMTP send through
the network door; the declaration is in `connector`."""
