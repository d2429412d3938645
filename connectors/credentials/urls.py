"""Named credentials: their pages and REST API."""

from django.urls import path

from connectors.credentials import api, views

urlpatterns = [
    path("credentials/", views.credential_list, name="credential-list"),
    path("credentials/new/", views.credential_create, name="credential-create"),
    path("credentials/<str:name>/edit/", views.credential_edit, name="credential-edit"),
    path(
        "credentials/<str:name>/delete/",
        views.credential_delete,
        name="credential-delete",
    ),
]

# under /api/v1/ (connectors/api/urls.py)
api_urlpatterns = [
    path("credentials/", api.credential_list, name="api-credential-list"),
    path(
        "credentials/templates/",
        api.configuration_template_list,
        name="api-credential-templates",
    ),
    path("credentials/<str:name>/", api.credential_detail, name="api-credential-detail"),
]
