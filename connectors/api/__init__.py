"""The REST API (DRF) under /api/v1/; it calls the same services as the web UI."""
