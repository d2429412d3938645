from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

import connectors.catalogue.addresses  # noqa: F401  (registers the version converter)
from connectors.apiimport import urls as apiimport
from connectors.catalogue import urls as catalogue
from connectors.configure import urls as configure
from connectors.credentials import urls as credentials
from connectors.export import urls as export
from connectors.inbound import api as inbound_api
from connectors.runs import urls as runs
from connectors.secrets import urls as secrets

v1 = [
    *credentials.api_urlpatterns,
    *catalogue.api_urlpatterns,
    *apiimport.api_urlpatterns,
    *export.api_urlpatterns,
    *configure.api_urlpatterns,
    *runs.api_urlpatterns,
    path("inbound/", inbound_api.inbound_list, name="api-inbound-list"),
    path("inbound/deployments", inbound_api.deployment_create, name="api-inbound-deployments"),
    *secrets.api_urlpatterns,
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
