"""The hub's status: health checks (`health`: JSON for probes, the status page and its footer
fragment), and the live workers' heartbeat rows the page lists (`models`, written by the Zeebe
worker's status sink, connectors.zeebe.status)."""
