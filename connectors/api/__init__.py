"""The REST API (DRF) under /api/v1/: what its areas share (pagination, request parsers) and the
URLconf that gathers them; each area's API views are its `api.py`, calling the same services as
the web UI."""
