from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

import connectors.catalogue.addresses  # noqa: F401  (registers the version converter)
from connectors.api import export as export_api
from connectors.apiimport import urls as apiimport
from connectors.catalogue import urls as catalogue
from connectors.configure import urls as configure
from connectors.credentials import urls as credentials
from connectors.inbound import api as inbound_api
from connectors.runs import urls as runs
from connectors.secrets import urls as secrets

v1 = [
    *credentials.api_urlpatterns,
    *catalogue.api_urlpatterns,
    *apiimport.api_urlpatterns,
    path(
        "templates/<str:template_id>/versions/<version:version>/export",
        export_api.template_version_export,
        name="api-template-export",
    ),
    path(
        "templates/<str:template_id>/versions/<version:version>/bpmn",
        export_api.template_version_bpmn,
        name="api-template-bpmn",
    ),
    *configure.api_urlpatterns,
    path("export/", export_api.bundle, name="api-export"),
    path(
        "configurations/<int:pk>/bpmn",
        export_api.configuration_bpmn,
        name="api-configuration-bpmn",
    ),
    path(
        "configurations/<int:pk>/save-as-connector",
        export_api.configuration_save_as_connector,
        name="api-configuration-save-as-connector",
    ),
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
