"""API import's addresses: the page and its save step; and its REST API."""

from django.urls import path

from connectors.apiimport import api, views

urlpatterns = [
    path("catalogue/import-api", views.import_page, name="api-import"),
    path("catalogue/import-api/save", views.import_save, name="api-import-save"),
]

# under /api/v1/ (connectors/api/urls.py)
api_urlpatterns = [
    path("api-descriptions/import", api.description_import, name="api-description-import"),
]
