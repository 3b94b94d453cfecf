from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from omni import health_views
from omni.api.views import DocsView, SchemaView
from omni.metrics.views import metrics


@login_not_required
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Its URL is read when asked: in production it names the collected, hashed file.
    return HttpResponsePermanentRedirect(static("omni/favicon.svg"))


urlpatterns = [
    # Head-office dashboards inside the admin (before admin.site.urls, which owns /admin/).
    path("admin/insights/", include("insights.urls")),
    # Head office's System status: the sync, the inbox, jobs and queues (issue 12).
    path("admin/system-status/", include("journeys.system_status.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("omni.api.router")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", DocsView.as_view(), name="api-docs"),
    path("webhooks/", include("journeys.webhook_urls")),
    # Browsers ask every site for /favicon.ico (the admin's pages name no icon).
    path("favicon.ico", favicon),
    # Load balancers' and orchestrators' probes (omni/health.py; README, "Health checks").
    path("health/live", health_views.live, name="health-live"),
    path("health/ready", health_views.ready, name="health-ready"),
    # Prometheus' scrape (token and/or networks: omni/metrics/views.py).
    path("metrics", metrics, name="metrics"),
    # The store associates' tablet app: "/" is the associate's "My day".
    path("", include("clienteling.urls")),
]
