"""Secrets: their pages (list, detail, audit) and the secrets REST API."""

from django.urls import path

from connectors.secrets import api, views

urlpatterns = [
    path("secrets/", views.secret_list, name="secret-list"),
    path("secrets/new/", views.secret_create, name="secret-create"),
    path("secrets/audit/", views.secret_audit, name="secret-audit"),
    path("secrets/<int:pk>/", views.secret_detail, name="secret-detail"),
    path("secrets/<int:pk>/edit/", views.secret_edit, name="secret-edit"),
    path("secrets/<int:pk>/value/", views.secret_value, name="secret-value"),
    path("secrets/<int:pk>/delete/", views.secret_delete, name="secret-delete"),
]

# under /api/v1/ (connectors/api/urls.py)
api_urlpatterns = [
    path("secrets/", api.secret_list, name="api-secret-list"),
    path("secrets/<str:name>/", api.secret_detail, name="api-secret-detail"),
    path("secrets/<str:name>/audit/", api.secret_audit, name="api-secret-audit"),
]
