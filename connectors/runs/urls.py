"""Dry-runs, test cases and recordings: their pages and the runs REST API."""

from django.urls import path

from connectors.runs import api, recording_views, views

urlpatterns = [
    path("runs/", views.run_list, name="run-list"),
    path("runs/new/", views.run_create, name="run-create"),
    path("runs/<int:pk>/", views.run_detail, name="run-detail"),
    path("runs/<int:pk>/live/", views.run_live, name="run-live"),
    path("runs/<int:pk>/rerun/", views.run_rerun, name="run-rerun"),
    path("connectors/<str:template_id>/runs/", views.run_list, name="connector-runs"),
    path("connectors/<str:template_id>/tests/", views.connector_tests, name="connector-tests"),
    path("configurations/<int:pk>/test-case/", views.test_case_edit, name="test-case-edit"),
    path("runs/<int:pk>/pin/", recording_views.run_pin, name="run-pin"),
    path(
        "connectors/<str:template_id>/tests/suite.zip",
        recording_views.suite_download,
        name="connector-suite",
    ),
    path(
        "connectors/<str:template_id>/tests/import/",
        recording_views.suite_upload,
        name="connector-suite-import",
    ),
    path(
        "configurations/<int:pk>/recording/",
        recording_views.recording_detail,
        name="test-case-recording",
    ),
    path(
        "configurations/<int:pk>/recording/<int:index>/",
        recording_views.recording_edit,
        name="test-case-recording-edit",
    ),
]

# under /api/v1/ (connectors/api/urls.py)
api_urlpatterns = [
    path("runs/", api.run_list, name="api-run-list"),
    path("runs/<int:pk>/", api.run_detail, name="api-run-detail"),
    path("runs/<int:pk>/rerun/", api.run_rerun, name="api-run-rerun"),
]
