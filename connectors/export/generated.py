"""Templates generated for Python connectors (built-in and plugins), completed for export.

The SDK leaves optional what the Modeler shows for every connector: `engines`, an icon and a
documentation link. Both the Camunda 8 export and the Camunda 7 external task export add them.
"""

from __future__ import annotations

from typing import Any

# Generated templates use the `zeebe:taskDefinition` binding, which Camunda's own connector
# templates declare with this range.
GENERATED_ENGINES = {"camunda": "^8.3"}
HUB_ICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' "
    "fill='none' stroke='%232563eb' stroke-width='2'%3E%3Ccircle cx='6' cy='12' r='3'/%3E"
    "%3Ccircle cx='18' cy='6' r='3'/%3E%3Ccircle cx='18' cy='18' r='3'/%3E"
    "%3Cpath d='M9 12h3l3-5M12 12l3 5'/%3E%3C/svg%3E"
)


def complete_generated(
    template: dict[str, Any], *, template_id: str, base_url: str = ""
) -> dict[str, Any]:
    """A copy of a generated template with engines, icon and documentation link filled in."""
    completed = dict(template)
    completed.setdefault("engines", dict(GENERATED_ENGINES))
    completed.setdefault("icon", {"contents": HUB_ICON})
    if "documentationRef" not in completed and base_url.startswith(("http://", "https://")):
        completed["documentationRef"] = f"{base_url.rstrip('/')}/connectors/{template_id}/"
    return completed
