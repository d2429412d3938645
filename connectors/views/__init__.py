"""Web UI views, one module per area; the URLconf imports them from here."""
