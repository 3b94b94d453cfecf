from django.contrib import admin
from django.urls import include, path

from omni.api.views import DocsView, SchemaView

urlpatterns = [
    # Head-office dashboards inside the admin (before admin.site.urls, which owns /admin/).
    path("admin/insights/", include("insights.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("omni.api.router")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", DocsView.as_view(), name="api-docs"),
    path("webhooks/", include("journeys.webhook_urls")),
    # The store associates' tablet app: "/" is the associate's "My day".
    path("", include("clienteling.urls")),
]
