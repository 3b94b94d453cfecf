"""My day: the associate's home screen (today, tomorrow, the week ahead), and ticking off
tasks."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clienteling.selectors.store_day import my_day as my_day_selector
from clienteling.selectors.store_day import store_today, task_for_store
from clienteling.services import task_complete
from clienteling.views.common import associate_required, current_associate, render_page, toast
from omni.errors import DomainError

TEMPLATE = "clienteling/my_day.html"


@require_GET
@associate_required
def my_day(request: HttpRequest) -> HttpResponse:
    associate = current_associate(request)
    return render_page(request, TEMPLATE, {"day": my_day_selector(associate), "nav": "my_day"})


@require_POST
@associate_required
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    associate = current_associate(request)
    task = task_for_store(associate.store, task_id)
    try:
        task = task_complete(task=task, actor=request.user)
    except DomainError as error:
        return toast(HttpResponse(status=409), error.message, level="error")
    context = {"task": task, "today": store_today(associate.store)}
    response = render_page(request, TEMPLATE, context, partial="task")
    return toast(response, _("Task done: %(title)s") % {"title": task.title})
