"""The catalogue's addresses: the list, import, an entry's pages; and its REST API."""

from django.urls import path

import connectors.catalogue.addresses  # noqa: F401  (registers the version converter)
from connectors.catalogue import api, views

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("catalogue/import", views.import_upload, name="catalogue-import"),
    path("catalogue/import-npm", views.import_npm, name="catalogue-import-npm"),
    path("connectors/<str:template_id>/", views.entry_detail, name="catalogue-entry"),
    path(
        "connectors/<str:template_id>/versions/<version:version>/",
        views.entry_detail,
        name="catalogue-entry-version",
    ),
    path("connectors/<str:template_id>/icon", views.entry_icon, name="catalogue-icon"),
    path("connectors/<str:template_id>/delete/", views.entry_delete, name="catalogue-delete"),
]

# under /api/v1/ (connectors/api/urls.py)
api_urlpatterns = [
    path("templates/", api.template_list, name="api-template-list"),
    path("templates/import", api.template_import, name="api-template-import"),
    path("templates/<str:template_id>/", api.template_detail, name="api-template-detail"),
    path(
        "templates/<str:template_id>/versions/<version:version>/",
        api.template_version,
        name="api-template-version",
    ),
]
