"""Configure & test: the form, saved configurations; their REST API and the job API."""

from django.urls import path

import connectors.catalogue.addresses  # noqa: F401  (registers the version converter)
from connectors.configure import api, jobs_api, views

urlpatterns = [
    path("connectors/<str:template_id>/configure/", views.configure, name="configure-default"),
    path(
        "connectors/<str:template_id>/versions/<version:version>/configure/",
        views.configure,
        name="configure",
    ),
    path("configure/egress-check", views.egress_check, name="configure-egress-check"),
    path("configurations/", views.configuration_index, name="configuration-list"),
    path("configurations/<int:pk>/", views.configuration_detail, name="configuration-detail"),
    path(
        "configurations/<int:pk>/duplicate/",
        views.configuration_copy,
        name="configuration-duplicate",
    ),
    path(
        "configurations/<int:pk>/delete/",
        views.configuration_remove,
        name="configuration-delete",
    ),
]

# under /api/v1/ (connectors/api/urls.py)
api_urlpatterns = [
    path(
        "templates/<str:template_id>/versions/<version:version>/job",
        jobs_api.template_job,
        name="api-template-job",
    ),
    path("configurations/", api.configuration_collection, name="api-configuration-list"),
    path("configurations/<int:pk>/", api.configuration_item, name="api-configuration-detail"),
    path(
        "configurations/<int:pk>/duplicate",
        api.configuration_copy,
        name="api-configuration-duplicate",
    ),
]
