from django.urls import path

from connectors.views import catalogue, status
from connectors.views import secrets as secret_views

urlpatterns = [
    path("", catalogue.catalogue, name="catalogue"),
    path("secrets/", secret_views.secret_list, name="secret-list"),
    path("secrets/new/", secret_views.secret_create, name="secret-create"),
    path("secrets/audit/", secret_views.secret_audit, name="secret-audit"),
    path("secrets/<int:pk>/", secret_views.secret_detail, name="secret-detail"),
    path("secrets/<int:pk>/edit/", secret_views.secret_edit, name="secret-edit"),
    path("secrets/<int:pk>/value/", secret_views.secret_value, name="secret-value"),
    path("secrets/<int:pk>/delete/", secret_views.secret_delete, name="secret-delete"),
    path("healthz", status.healthz, name="healthz"),
    path("status/", status.status_page, name="status"),
]
