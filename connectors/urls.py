from django.urls import path

from connectors.views import catalogue, status
from connectors.views import secrets as secret_views

urlpatterns = [
    path("", catalogue.catalogue, name="catalogue"),
    path("catalogue/import", catalogue.import_upload, name="catalogue-import"),
    path("catalogue/import-npm", catalogue.import_npm, name="catalogue-import-npm"),
    path("connectors/<str:template_id>/", catalogue.entry_detail, name="catalogue-entry"),
    path(
        "connectors/<str:template_id>/versions/<int:version>/",
        catalogue.entry_detail,
        name="catalogue-entry-version",
    ),
    path("connectors/<str:template_id>/icon", catalogue.entry_icon, name="catalogue-icon"),
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
