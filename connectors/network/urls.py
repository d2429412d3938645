"""The egress allow-list page, under the status area.

Its address is also named in egress refusals (connectors.network.policy ALLOWLIST_PAGE)."""

from django.urls import path

from connectors.network import views

urlpatterns = [
    path("status/egress/", views.allowlist_page, name="egress-allowlist"),
    path("status/egress/<int:pk>/remove/", views.allowlist_remove, name="egress-allowlist-remove"),
]
