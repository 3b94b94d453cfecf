"""Optional error reporting to Sentry (or a compatible service), when SENTRY_DSN is set.

Nothing personal leaves: Sentry's own collection of personal data is off (data_collection, the
successor of send_default_pii=False), frames are sent without their local variables, request
bodies are never read, and each event
loses, before it is sent, the request's body, cookies, query string and headers that identify
someone, and any email address left in its messages. The user is their id only (from the log
context, omni.logs), with the request id as a tag to find the request's log lines.

Called from the settings, after LOGGING; imports nothing from Django at module level.
"""

from typing import Any

from omni.logs import log_context, redact

# Request headers kept on an event: the rest may identify the person (cookies, authorization,
# addresses forwarded by proxies, the shop's signatures).
_KEPT_HEADERS = frozenset({"accept", "accept-language", "content-type", "host", "user-agent"})


def sentry_init(
    *, dsn: str, environment: str = "", release: str = "", traces_sample_rate: float | None = None
) -> bool:
    """Start reporting to `dsn` from this process (web, worker, command); False without one.
    Tracing stays off unless a sample rate is given."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # What send_default_pii=False promised, said category by category (Sentry 2.76 deprecates
        # that option in favour of this one) and stricter: no user details, cookies, bodies,
        # query strings, SQL parameters or frame variables, only harmless request headers.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": sorted(_KEPT_HEADERS)}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        environment=environment or None,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        before_send=event_scrub,
        before_send_transaction=event_scrub,
    )
    return True


def event_scrub(event: dict[str, Any], _hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event without personal data; the user as an id, the request id as a tag."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                name: value for name, value in headers.items() if name.lower() in _KEPT_HEADERS
            }
    context = log_context()
    user = event.get("user") if isinstance(event.get("user"), dict) else {}
    user_id = context.get("user_id") or user.get("id")
    event["user"] = {"id": str(user_id)} if user_id else {}
    if context.get("api_client_id"):
        event.setdefault("tags", {})["api_client_id"] = str(context["api_client_id"])
    if context.get("request_id"):
        event.setdefault("tags", {})["request_id"] = context["request_id"]
    _redact_texts(event)
    return event


def _redact_texts(event: dict[str, Any]) -> None:
    """Email addresses out of the message, the exceptions' values and the breadcrumbs."""
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        for key in ("message", "formatted"):
            if isinstance(logentry.get(key), str):
                logentry[key] = redact(logentry[key])
        logentry.pop("params", None)
    if isinstance(event.get("message"), str):
        event["message"] = redact(event["message"])
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = redact(exception["value"])
    crumbs = event.get("breadcrumbs")
    values = crumbs.get("values") if isinstance(crumbs, dict) else crumbs
    for crumb in values or []:
        if isinstance(crumb.get("message"), str):
            crumb["message"] = redact(crumb["message"])
        crumb.pop("data", None)
