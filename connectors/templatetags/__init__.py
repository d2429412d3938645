"""Template filters of the connectors app."""
