"""Documents: the sample upload and the download addresses (a run's, a link's)."""

from django.urls import path

from connectors.documents import views

urlpatterns = [
    path("documents/sample/", views.sample_document_upload, name="document-upload"),
    path(
        "documents/<uuid:document_id>/download/",
        views.document_download,
        name="document-download",
    ),
    path(
        "documents/link/<str:token>/",
        views.document_link_download,
        name="document-link",
    ),
]
