"""The inbound runtime: what starts or continues a process from outside (docs/inbound.md).

    discovery (bpmn, discovery)      process definitions -> inbound elements
    lifecycle                        elements -> active executables (per deduplication id)
    correlation                      activation condition, result, start / publish
    context                          the InboundContext a connector gets
    webhooks, consumers              how the two kinds of connector run
    views, api, services, selectors  the Inbound page and /api/v1/inbound/

Follows Camunda's connector-runtime-core (inbound) and connector-runtime-spring (inbound);
each module names the class it follows.
"""
