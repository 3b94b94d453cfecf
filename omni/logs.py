"""Log lines the person on call can search: one JSON object per line in production, readable
text in development, each tagged with what it happened in (issue 12).

What a line carries besides its message comes from a context variable: the request id (taken
from a sane incoming `X-Request-ID`, else made here, and sent back in the response), the signed-in
user's id or the API client's id, the view's name, and in a Celery task its name and id. A task
queued during a request carries the request's id (omni.log_tasks), so a webhook's receipt and
its processing on a worker share one id.

No personal data: a user is an id, never a name or an email; a model instance given as an
argument is written as its label and id ("auth.User #3"); an email address left in a message
becomes "[email]", and PostgreSQL's "Key (email)=(…)" details lose their values. The access line
names the view, never the path or the query string (a search for a name or a phone number).

This module is imported by the settings: it imports nothing from Django at module level.
"""

import datetime
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from contextvars import ContextVar, Token
from types import MappingProxyType
from typing import Any

REQUEST_ID_HEADER = "X-Request-ID"
LOG_FORMATS = ("json", "text")
# What a proxy or a load balancer may send as a request id; anything else is replaced.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# The fields the context may hold, in the order a line shows them.
CONTEXT_FIELDS = ("request_id", "user_id", "api_client_id", "view", "task_name", "task_id")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# PostgreSQL's detail of a unique or foreign key violation names the values of the row.
_KEY_VALUES = re.compile(r"(Key \([^)]*\))=\((?:[^()]|\([^)]*\))*\)")

_context: ContextVar[Mapping[str, Any]] = ContextVar(
    "omni_log_context", default=MappingProxyType({})
)
requests_logger = logging.getLogger("omni.requests")


# The context ----------------------------------------------------------------------------------


def log_context() -> dict[str, Any]:
    """What the current request or task's log lines carry (a copy)."""
    return dict(_context.get())


def log_context_push(**values: Any) -> Token:
    """Add to the context until `log_context_pop` with the token returned (a request, a task)."""
    return _context.set({**_context.get(), **_present(values)})


def log_context_pop(token: Token) -> None:
    _context.reset(token)


def log_context_add(**values: Any) -> None:
    """Add to the context for the rest of the current request or task (the user, once known);
    the request's or task's own `log_context_pop` takes it away with the rest."""
    _context.set({**_context.get(), **_present(values)})


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_or_new(candidate: str | None) -> str:
    """An incoming id when it is a sane token (up to 64 of A-Z a-z 0-9 . _ -), else a new one:
    a header is the client's text, and it ends up in every log line and in the response."""
    if candidate and _SANE_REQUEST_ID.fullmatch(candidate):
        return candidate
    return request_id_new()


def request_id_is_sane(candidate: object) -> bool:
    return isinstance(candidate, str) and bool(_SANE_REQUEST_ID.fullmatch(candidate))


# Personal data kept out ------------------------------------------------------------------------


def redact(text: str) -> str:
    """Email addresses and PostgreSQL's key values taken out of a message or a traceback."""
    return _KEY_VALUES.sub(r"\1=(…)", _EMAIL.sub("[email]", text))


def _argument_safe(value: object) -> object:
    """A model instance as its label and id: its str() is often a person's name."""
    meta = getattr(value, "_meta", None)
    if meta is not None and hasattr(value, "pk") and hasattr(meta, "label"):
        return f"{meta.label} #{value.pk}"
    return value


class LogContextFilter(logging.Filter):
    """Puts the context on each record (so that formatters can show it) and renders the
    message without personal data. On handlers: every line written goes through it."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get()
        for field in CONTEXT_FIELDS:
            if getattr(record, field, None) is None:
                setattr(record, field, context.get(field))
        if not getattr(record, "omni_redacted", False):
            args = record.args
            if isinstance(args, tuple):
                record.args = tuple(_argument_safe(value) for value in args)
            elif isinstance(args, Mapping):
                record.args = {key: _argument_safe(value) for key, value in args.items()}
            record.msg, record.args = redact(record.getMessage()), None
            record.omni_redacted = True
        return True


# Formatters ----------------------------------------------------------------------------------

# What every LogRecord has: anything else on a record was given as `extra`.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName", "omni_redacted", *CONTEXT_FIELDS}
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the context's fields that
    are known, extras given as plain values (`extra={"status_code": 404}`; objects such as the
    request Django passes are left out), and the traceback as `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
        entry: dict[str, Any] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for field in CONTEXT_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        for key, value in vars(record).items():
            if key in _RECORD_ATTRIBUTES or key.startswith("_") or key in entry:
                continue
            if isinstance(value, bool | int | float) or value is None:
                entry[key] = value
            elif isinstance(value, str):
                entry[key] = redact(value)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


_TEXT_LABELS = {
    "request_id": "request",
    "user_id": "user",
    "api_client_id": "api_client",
    "view": "view",
    "task_name": "task",
    "task_id": "task_id",
}


class TextFormatter(logging.Formatter):
    """Development: `12:04:01 INFO journeys.tasks: message [request=… user=3]`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        known = [
            f"{_TEXT_LABELS[field]}={value}"
            for field in CONTEXT_FIELDS
            if (value := getattr(record, field, None)) is not None
        ]
        first, newline, rest = text.partition("\n")
        suffix = f" [{' '.join(known)}]" if known else ""
        return redact(f"{first}{suffix}{newline}{rest}")


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """settings.LOGGING: everything through one console handler (stderr) in `log_format`.

    Django's own loggers hand their lines to it too (their default handlers are dropped, so
    that development shows a line once). The access line (omni.requests) is on with JSON,
    where it is the record of a request; in development runserver prints its own."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"OMNI_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "omni.logs.LogContextFilter"}},
        "formatters": {
            "json": {"()": "omni.logs.JsonFormatter"},
            "text": {"()": "omni.logs.TextFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": [], "level": level, "propagate": True},
            "omni.requests": {"level": "INFO" if log_format == "json" else "WARNING"},
        },
    }


# The middleware ------------------------------------------------------------------------------


class RequestIdMiddleware:
    """First in MIDDLEWARE: every line logged while the request is served carries its id, and
    the response sends it back in `X-Request-ID` (a client quoting it in a support request,
    a proxy's log line, the worker's lines for the tasks it queued)."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        request_id = request_id_or_new(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = log_context_push(request_id=request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            _access_line(request, response, started)
            return response
        finally:
            log_context_pop(token)

    def process_view(self, request: Any, view_func: Callable, *_args: Any) -> None:
        """Once the URL is resolved and the session read: the view's name and the user's id.
        (An API client is known once DRF authenticates it: omni.api.authentication.)"""
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None and match.view_name else None
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        log_context_add(
            view=view or f"{view_func.__module__}.{getattr(view_func, '__name__', '?')}",
            user_id=user_id,
        )


def _access_line(request: Any, response: Any, started: float) -> None:
    if not requests_logger.isEnabledFor(logging.INFO):
        return
    milliseconds = round((time.monotonic() - started) * 1000, 1)
    view = _context.get().get("view", "-")
    requests_logger.info(
        "%s %s %s in %s ms",
        request.method,
        view,
        response.status_code,
        milliseconds,
        extra={
            "method": request.method,
            "status_code": response.status_code,
            "duration_ms": milliseconds,
        },
    )
