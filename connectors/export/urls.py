"""Export: the page, downloads (bundles, templates, BPMN), save as connector; its REST API."""

from django.urls import path

import connectors.catalogue.addresses  # noqa: F401  (registers the version converter)
from connectors.export import api, views

urlpatterns = [
    path("export/", views.export_page, name="export"),
    path("export/download", views.export_download, name="export-download"),
    path("export/camunda7.json", views.camunda7_download, name="export-camunda7"),
    path(
        "export/connectors/<str:template_id>/template.json",
        views.template_download,
        name="export-template",
    ),
    path(
        "export/connectors/<str:template_id>/process.bpmn",
        views.template_bpmn_download,
        name="export-template-bpmn",
    ),
    path(
        "configurations/<int:pk>/process.bpmn",
        views.configuration_bpmn_download,
        name="export-configuration-bpmn",
    ),
    path(
        "configurations/<int:pk>/save-as-connector/",
        views.save_as_connector_page,
        name="save-as-connector",
    ),
]

# under /api/v1/ (connectors/api/urls.py)
api_urlpatterns = [
    path(
        "templates/<str:template_id>/versions/<version:version>/export",
        api.template_version_export,
        name="api-template-export",
    ),
    path(
        "templates/<str:template_id>/versions/<version:version>/bpmn",
        api.template_version_bpmn,
        name="api-template-bpmn",
    ),
    path("export/", api.bundle, name="api-export"),
    path(
        "configurations/<int:pk>/bpmn",
        api.configuration_bpmn,
        name="api-configuration-bpmn",
    ),
    path(
        "configurations/<int:pk>/save-as-connector",
        api.configuration_save_as_connector,
        name="api-configuration-save-as-connector",
    ),
]
