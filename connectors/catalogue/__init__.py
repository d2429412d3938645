"""The catalogue's services (import, npm seeding) and selectors (search, detail)."""
