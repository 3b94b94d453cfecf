"""Celery's side of omni.logs: a task queued during a request carries the request's id, and a
worker's lines are written as the web processes' are (JSON in production).

Imported by omni.celery, so that every process that can queue or run a task connects these.
"""

import logging
from contextvars import Token
from typing import Any

from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    before_task_publish,
    task_postrun,
    task_prerun,
)

from omni.logs import (
    JsonFormatter,
    LogContextFilter,
    log_context,
    log_context_pop,
    log_context_push,
    request_id_is_sane,
)

# The message header the request id travels in; a worker reads it back from task.request.
REQUEST_ID_HEADER = "omni_request_id"

# The context each running task pushed, by task id: a list, as an eager retry runs the same
# task id again inside the first run.
_pushed: dict[str, list[Token]] = {}


@before_task_publish.connect(dispatch_uid="omni.log_tasks.request_id_sent")
def _request_id_sent(headers: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    request_id = log_context().get("request_id")
    if request_id and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


@task_prerun.connect(dispatch_uid="omni.log_tasks.context_enter")
def _context_enter(task_id: str = "", task: Any = None, **_kwargs: Any) -> None:
    """The task's name and id, and the id of the request that queued it (a task run eagerly
    inside a request keeps the request's own)."""
    values: dict[str, Any] = {"task_name": getattr(task, "name", None), "task_id": task_id}
    request_id = getattr(getattr(task, "request", None), REQUEST_ID_HEADER, None)
    if request_id_is_sane(request_id):
        values["request_id"] = request_id
    _pushed.setdefault(task_id, []).append(log_context_push(**values))


@task_postrun.connect(dispatch_uid="omni.log_tasks.context_leave")
def _context_leave(task_id: str = "", **_kwargs: Any) -> None:
    tokens = _pushed.get(task_id)
    if not tokens:
        return
    log_context_pop(tokens.pop())
    if not tokens:
        del _pushed[task_id]


@after_setup_logger.connect(dispatch_uid="omni.log_tasks.worker_lines")
@after_setup_task_logger.connect(dispatch_uid="omni.log_tasks.worker_task_lines")
def _worker_lines(logger: logging.Logger | None = None, **_kwargs: Any) -> None:
    """A worker replaces the handlers of the settings' LOGGING with its own: give them the
    context (and the redaction) and, where settings ask for JSON, the JSON formatter."""
    from django.conf import settings

    if logger is None:
        return
    json_lines = getattr(settings, "OMNI_LOG_FORMAT", "text") == "json"
    for handler in logger.handlers:
        if not any(isinstance(existing, LogContextFilter) for existing in handler.filters):
            handler.addFilter(LogContextFilter())
        if json_lines:
            handler.setFormatter(JsonFormatter())
