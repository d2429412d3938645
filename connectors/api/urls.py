"""The REST API under /api/v1/: each area keeps its API views and their addresses
(`api_urlpatterns` in connectors/<area>/urls.py); the schema and its browser page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from connectors.apiimport import urls as apiimport
from connectors.catalogue import urls as catalogue
from connectors.configure import urls as configure
from connectors.credentials import urls as credentials
from connectors.export import urls as export
from connectors.inbound import urls as inbound
from connectors.runs import urls as runs
from connectors.secrets import urls as secrets

v1 = [
    *credentials.api_urlpatterns,
    *catalogue.api_urlpatterns,
    *apiimport.api_urlpatterns,
    *export.api_urlpatterns,
    *configure.api_urlpatterns,
    *runs.api_urlpatterns,
    *inbound.api_urlpatterns,
    *secrets.api_urlpatterns,
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
