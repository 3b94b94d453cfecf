"""`Idempotency-Key` on POST: a retry gets the stored response instead of running twice.

The key is claimed by inserting its row (unique per client and key) before the request runs,
so a concurrent request with the same key finds the claim and is told to retry (409) instead
of running too. The request's writes and the stored response commit together; if the request
fails with an unexpected error, the claim is released so that a retry can run.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from omni.api.principals import principal_of
from omni.models import ApiClient, IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# A claim older than this without a response belongs to a request that died: it may be retried.
ABANDONED_AFTER = timedelta(minutes=5)


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used with a different request.")
    default_code = "idempotency_key_reused"


class IdempotencyKeyInUse(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("A request with this Idempotency-Key is still running; retry later.")
    default_code = "idempotency_key_in_use"


def retention() -> timedelta:
    return timedelta(hours=settings.OMNI_IDEMPOTENCY_RETENTION_HOURS)


def request_fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    material = f"{request.method}\n{request.get_full_path()}\n{body}"
    return hashlib.sha256(material.encode()).hexdigest()


def _validated_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: [_("Use 1 to 255 printable ASCII characters.")]}, code="invalid"
        )
    return key


def _insert_claim(client: ApiClient, key: str, request: Request, digest: str) -> bool:
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                client=client,
                key=key,
                method=request.method,
                path=request.get_full_path()[:500],
                request_hash=digest,
                created_at=timezone.now(),
            )
    except IntegrityError:
        return False
    return True


def _take_over_abandoned(record: IdempotencyRecord) -> bool:
    """Re-claim a claim whose request died without answering; one concurrent caller wins."""
    now = timezone.now()
    if record.is_complete or record.created_at >= now - ABANDONED_AFTER:
        return False
    return bool(
        IdempotencyRecord.objects.filter(
            pk=record.pk, created_at=record.created_at, completed_at__isnull=True
        ).update(created_at=now)
    )


def idempotency_claim(
    *, client: ApiClient, key: str, request: Request
) -> IdempotencyRecord | Response:
    """Claim `key` for this request (the new record), or answer with the stored response."""
    digest = request_fingerprint(request)
    for _attempt in range(3):
        if _insert_claim(client, key, request, digest):
            return IdempotencyRecord.objects.get(client=client, key=key)
        record = IdempotencyRecord.objects.filter(client=client, key=key).first()
        if record is None:
            continue  # Purged between the insert and the read: claim again.
        if record.created_at < timezone.now() - retention():
            IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at).delete()
            continue
        if record.request_hash != digest:
            raise IdempotencyKeyReused()
        if record.is_complete:
            return Response(
                record.response_body,
                status=record.response_status,
                headers={"Idempotent-Replayed": "true"},
            )
        if _take_over_abandoned(record):
            record.refresh_from_db()
            return record
        raise IdempotencyKeyInUse()
    raise IdempotencyKeyInUse()


class _FailedRequest(Exception):  # noqa: N818 - a control-flow signal, not an error
    def __init__(self, response: Response) -> None:
        self.response = response


def _run(view: Any, handler: Callable, request: Request, args: Any, kwargs: Any) -> Response:
    """Run the handler in a savepoint; its writes are undone when it answers with an error."""
    try:
        with transaction.atomic():
            response = handler(view, request, *args, **kwargs)
            if response.status_code >= status.HTTP_400_BAD_REQUEST:
                raise _FailedRequest(response)
            return response
    except _FailedRequest as failed:
        return failed.response
    except Exception as error:
        return view.handle_exception(error)  # Re-raises what is not a known error.


def _store(record: IdempotencyRecord, response: Response) -> None:
    record.response_status = response.status_code
    record.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
    record.completed_at = timezone.now()
    record.save(update_fields=["response_status", "response_body", "completed_at"])


def idempotent(handler: Callable) -> Callable:
    """Decorate a POST handler of an API view to honour the Idempotency-Key header."""

    @wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        principal = principal_of(request)
        if key is None or principal is None or principal.client is None:
            return handler(view, request, *args, **kwargs)
        claim = idempotency_claim(client=principal.client, key=_validated_key(key), request=request)
        if isinstance(claim, Response):
            return claim
        try:
            with transaction.atomic():
                response = _run(view, handler, request, args, kwargs)
                if response.status_code >= status.HTTP_500_INTERNAL_SERVER_ERROR:
                    raise _FailedRequest(response)
                _store(claim, response)
        except _FailedRequest as failed:
            IdempotencyRecord.objects.filter(pk=claim.pk).delete()
            return failed.response
        except BaseException:
            IdempotencyRecord.objects.filter(pk=claim.pk).delete()
            raise
        return response

    wrapper.idempotent = True  # type: ignore[attr-defined]
    return wrapper


def idempotency_records_purge(*, now: Any = None) -> int:
    """Delete the records past their retention; returns how many went."""
    cutoff = (now or timezone.now()) - retention()
    deleted, _details = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
