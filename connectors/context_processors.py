"""Template context shared by every page."""

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# (label, URL name). An area whose view is not installed is left out of the menu.
MAIN_NAV = [
    ("Catalogue", "catalogue"),
    ("Configurations", "configuration-list"),
    ("Secrets", "secret-list"),
    ("Credentials", "credential-list"),
    ("Runs", "run-list"),
    ("Inbound", "inbound"),
    ("Export", "export"),
]


def main_nav(request: HttpRequest) -> dict[str, object]:
    items = []
    for label, name in MAIN_NAV:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        current = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": label, "url": url, "current": current})
    return {"main_nav": items}
