"""The web UI's addresses: each area keeps its own in connectors/<area>/urls.py.

No area's address matches another area's (inbound's webhook addresses take only `inbound/...`
paths, and come after the inbound pages), so the order of the lists here does not matter.
"""

from connectors.apiimport import urls as apiimport
from connectors.catalogue import urls as catalogue
from connectors.configure import urls as configure
from connectors.credentials import urls as credentials
from connectors.documents import urls as documents
from connectors.export import urls as export
from connectors.inbound import urls as inbound
from connectors.network import urls as network
from connectors.runs import urls as runs
from connectors.secrets import urls as secrets
from connectors.status import urls as status

urlpatterns = [
    *catalogue.urlpatterns,
    *apiimport.urlpatterns,
    *configure.urlpatterns,
    *secrets.urlpatterns,
    *credentials.urlpatterns,
    *export.urlpatterns,
    *documents.urlpatterns,
    *network.urlpatterns,
    *runs.urlpatterns,
    *inbound.urlpatterns,
    *status.urlpatterns,
]
