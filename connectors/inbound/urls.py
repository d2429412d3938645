"""Inbound: the page, the deploy form, the test console, Camunda's webhook addresses (after the
page's own, which they would otherwise take); and the inbound REST API."""

from django.urls import path, re_path

from connectors.inbound import api, console_consumer_views, console_views, views, webhooks

urlpatterns = [
    path("inbound/", views.inbound_page, name="inbound"),
    path("inbound/deploy/", views.inbound_deploy, name="inbound-deploy"),
    # the test console: three segments, so no webhook address can take its place
    path("inbound/elements/<int:pk>/test/", console_views.element_console, name="inbound-console"),
    path(
        "inbound/elements/<int:pk>/test/watch/",
        console_consumer_views.element_watch,
        name="inbound-console-watch",
    ),
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
    re_path(r"^inbound/(?P<context>[^/]+)/?$", webhooks.inbound_webhook, name="inbound-webhook"),
    re_path(
        r"^inbound/(?P<tenant>[^/]+)/(?P<context>[^/]+)/?$",
        webhooks.inbound_webhook,
        name="inbound-webhook-tenant",
    ),
]

# under /api/v1/ (connectors/api/urls.py)
api_urlpatterns = [
    path("inbound/", api.inbound_list, name="api-inbound-list"),
    path("inbound/deployments", api.deployment_create, name="api-inbound-deployments"),
]
