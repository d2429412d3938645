from django.urls import path

from connectors.views import catalogue, status

urlpatterns = [
    path("", catalogue.catalogue, name="catalogue"),
    path("healthz", status.healthz, name="healthz"),
    path("status/", status.status_page, name="status"),
]
