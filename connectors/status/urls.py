"""The health probe and the status page."""

from django.urls import path

from connectors.status import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("status/", views.status_page, name="status"),
]
