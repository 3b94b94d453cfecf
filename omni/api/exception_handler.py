"""One error body for the whole API: {"code": ..., "detail": ..., "errors": {field: [messages]}}.

Domain errors raised by services keep their code; the code decides the status: the request
itself is wrong (400), it conflicts with the current state (409), or a business rule refuses
it (422).
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from omni.errors import DomainError
from omni.records import DOMAIN_ERROR_FIELD, NON_FIELD

logger = logging.getLogger(__name__)
DOMAIN_ERROR_STATUS = {
    "invalid": status.HTTP_400_BAD_REQUEST,
    "invalid_email": status.HTTP_400_BAD_REQUEST,
    "invalid_phone": status.HTTP_400_BAD_REQUEST,
    "unknown_store": status.HTTP_400_BAD_REQUEST,
    "unknown_product": status.HTTP_400_BAD_REQUEST,
    "store_forbidden": status.HTTP_403_FORBIDDEN,
    "conflict": status.HTTP_409_CONFLICT,
    "invalid_transition": status.HTTP_409_CONFLICT,
}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "payload_too_large"


def error_body(code: str, detail: str, errors: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "detail": detail, "errors": errors or {NON_FIELD: [detail]}}


def domain_error_response(error: DomainError, *, field: str | None = None) -> Response:
    status_code = DOMAIN_ERROR_STATUS.get(error.code, status.HTTP_422_UNPROCESSABLE_ENTITY)
    field = field or getattr(error, "field", None) or DOMAIN_ERROR_FIELD.get(error.code, NON_FIELD)
    return Response(error_body(error.code, error.message, {field: [error.message]}), status_code)


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """{"lines": [{}, {"quantity": ["..."]}]} → {"lines.1.quantity": ["..."]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for index, value in enumerate(detail):
            flat.update(flatten_errors(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or NON_FIELD: [str(message) for message in messages]} if messages else {}


def _validation_response(detail: Any) -> Response:
    errors = flatten_errors(detail)
    first = next(iter(errors.values()), [_("Invalid input.")])[0]
    return Response(error_body("invalid", first, errors), status.HTTP_400_BAD_REQUEST)


def _api_exception_response(exc: exceptions.APIException, context: dict) -> Response:
    response = drf_exception_handler(exc, context)
    assert response is not None
    if isinstance(exc, exceptions.ValidationError):
        validation = _validation_response(exc.detail)
        validation.headers = response.headers
        return validation
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    code = getattr(exc.detail, "code", None) or exc.default_code
    response.data = error_body(str(code), str(detail))
    return response


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    if isinstance(exc, exceptions.APIException):
        return _api_exception_response(exc, context)
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return _validation_response(detail)
    if isinstance(exc, IntegrityError | DataError):
        # A constraint or type the validation did not foresee: refuse the write, do not crash.
        logger.warning("API request refused by the database: %s", exc)
        conflict = isinstance(exc, IntegrityError)
        return Response(
            error_body(
                "conflict" if conflict else "invalid",
                _("The data conflicts with what is stored.")
                if conflict
                else _("A value is out of the accepted range."),
            ),
            status.HTTP_409_CONFLICT if conflict else status.HTTP_400_BAD_REQUEST,
        )
    return None
