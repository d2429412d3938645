from django.urls import path, re_path

import connectors.catalogue.addresses  # noqa: F401  (registers the version converter)
from connectors.apiimport import urls as apiimport
from connectors.catalogue import urls as catalogue
from connectors.configure import urls as configure
from connectors.credentials import urls as credentials
from connectors.documents import urls as documents
from connectors.export import urls as export
from connectors.inbound import console_views
from connectors.inbound import views as inbound_views
from connectors.inbound.webhooks import inbound_webhook
from connectors.network import urls as network
from connectors.runs import urls as runs
from connectors.secrets import urls as secrets
from connectors.status import urls as status

urlpatterns = [
    *catalogue.urlpatterns,
    *apiimport.urlpatterns,
    *configure.urlpatterns,
    *secrets.urlpatterns,
    *credentials.urlpatterns,
    *export.urlpatterns,
    *documents.urlpatterns,
    *network.urlpatterns,
    *runs.urlpatterns,
    path("inbound/", inbound_views.inbound_page, name="inbound"),
    path("inbound/deploy/", inbound_views.inbound_deploy, name="inbound-deploy"),
    # the test console: three segments, so no webhook address can take its place
    path("inbound/elements/<int:pk>/test/", console_views.element_console, name="inbound-console"),
    path(
        "inbound/console/templates/<int:version_pk>/",
        console_views.draft_start,
        name="inbound-console-start",
    ),
    path(
        "inbound/console/drafts/<str:token>/",
        console_views.draft_console,
        name="inbound-console-draft",
    ),
    # Camunda's webhook addresses (docs/inbound.md), after the page's own
    re_path(r"^inbound/(?P<context>[^/]+)/?$", inbound_webhook, name="inbound-webhook"),
    re_path(
        r"^inbound/(?P<tenant>[^/]+)/(?P<context>[^/]+)/?$",
        inbound_webhook,
        name="inbound-webhook-tenant",
    ),
    *status.urlpatterns,
]
