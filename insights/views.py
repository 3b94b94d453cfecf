"""The head-office dashboard and journey analysis: parse the filters, read the aggregates, render.

Both pages live inside the admin (its login, layout and navigation): non-staff users are sent
to the admin login, staff without the `insights.view_dashboard` permission get a 403.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from insights import pages
from insights.forms import InsightsFilterForm
from insights.models import AggregateRun
from insights.tasks import insights_rebuild_task
from omni.models import Store

PERMISSION = "insights.view_dashboard"
View = Callable[[HttpRequest], HttpResponse]


def dashboard_view(view: View) -> View:
    @wraps(view)
    def checked(request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return view(request)

    return admin.site.admin_view(require_GET(checked))


def _render(request: HttpRequest, template: str, title: str, build: Callable) -> HttpResponse:
    regions = Store.objects.exclude(region="").order_by("region").values_list("region", flat=True)
    # No parameters is a valid (bound, empty) form: the default period, every store and channel.
    form = InsightsFilterForm(request.GET, regions=list(regions.distinct()))
    context = {
        **admin.site.each_context(request),
        "is_nav_sidebar_enabled": False,  # the charts need the width
        "title": title,
        "form": form,
    }
    if not form.is_valid():
        return TemplateResponse(request, template, {**context, "invalid": True}, status=400)
    filters = form.filters()
    context["last_run"] = AggregateRun.objects.order_by("-started_at").first()
    return TemplateResponse(request, template, {**context, "filters": filters, **build(filters)})


@dashboard_view
def dashboard(request: HttpRequest) -> HttpResponse:
    return _render(
        request, "insights/dashboard.html", _("Head-office dashboard"), pages.dashboard_context
    )


@dashboard_view
def journeys(request: HttpRequest) -> HttpResponse:
    return _render(request, "insights/journeys.html", _("Journey analysis"), pages.journeys_context)


@admin.site.admin_view
@require_POST
def rebuild(request: HttpRequest) -> HttpResponse:
    """Superusers: queue a full rebuild of the aggregate tables now."""
    if not request.user.is_superuser:
        raise PermissionDenied
    transaction.on_commit(insights_rebuild_task.delay)
    messages.success(request, _("The dashboards are being rebuilt; reload in a minute."))
    return HttpResponseRedirect(reverse("insights:dashboard"))
