"""GET /api/v1/customers/{id}/export: the subject access export through the API (scope
gdpr:read), as JSON, or as the readable page with `?format=html`; `?language=fr|en` (default:
the request's language). Journaled as a SubjectExport like the admin's and the command's.

A global API client with the scope, or a signed-in user holding privacy.export_customer; a
store-limited client is refused whatever its scopes (an export is the DPO's, not a store's).
"""

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from omni.api.schema import ErrorSerializer
from omni.errors import DomainError
from omni.models import ApiClient, ApiScope
from privacy.erasure_api import (
    DataProtectionAccess,
    DataProtectionView,
    customer_or_404,
    merged_profile_conflict,
    requester,
)
from privacy.export import subject_export_produce
from privacy.models import Door, SubjectExport

LANGUAGES = [code for code, _name in settings.LANGUAGES]
# Any segment in place of the id comes here and gets a 404: a looser route of the customers'
# (customers/<source>/<external id>, PUT only) would otherwise answer 405 to a GET.
CUSTOMER_EXPORT_PATH = r"^customers/(?P<pk>[^/]+)/export$"


class ExportAccess(DataProtectionAccess):
    """As the erasure's, with the API's error codes: `missing_scope`, `store_forbidden`."""

    scope = ApiScope.GDPR_READ
    permission = "privacy.export_customer"

    def has_permission(self, request: Request, view: Any) -> bool:
        allowed = super().has_permission(request, view)
        client = request.auth if isinstance(request.auth, ApiClient) else None
        if not allowed and client is not None:
            self.code = "store_forbidden" if client.store_id is not None else "missing_scope"
        return allowed


class JsonAnswers(BaseContentNegotiation):
    """Errors are JSON; `?format=` chooses the export's form (DRF would otherwise look for a
    renderer of that name and answer 404 to `?format=html`)."""

    def select_parser(self, request: Request, parsers: list) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


class CustomerExportView(DataProtectionView):
    permission_classes = [ExportAccess]
    content_negotiation_class = JsonAnswers
    extra_error_codes = ("400",)

    @extend_schema(
        operation_id="customers_export",
        tags=["customers"],
        summary="Export everything held about a person (GDPR art. 15 and 20)",
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The profile number."),
            OpenApiParameter(
                "format",
                str,
                enum=SubjectExport.Form.values,
                description="`json` (default) or `html`: a readable, printable page.",
            ),
            OpenApiParameter(
                "language",
                str,
                description="`en` or `fr`: the language of the labels (default: the request's).",
            ),
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="generated_at, customer, profiles, language, and `sections`: one "
                "per kind of record (model, title, fields' labels, rows).",
            ),
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="The page."),
            409: OpenApiResponse(
                ErrorSerializer, description="A profile merged into another: export that one."
            ),
        },
    )
    def get(self, request: Request, pk: str) -> HttpResponse:
        """Her profile and the profiles merged into it, every kind of record about her."""
        customer = customer_or_404(pk)
        form = request.query_params.get("format") or SubjectExport.Form.JSON
        language = request.query_params.get("language") or ""
        if form not in SubjectExport.Form.values:
            raise ParseError(_("Unknown format: use json or html."))
        if language and language not in LANGUAGES:
            raise ParseError(_("Unknown language: use one of %s.") % ", ".join(LANGUAGES))
        user, client = requester(request)
        try:
            produced = subject_export_produce(
                customer=customer,
                door=Door.API,
                form=form,
                language=language,
                user=user,
                api_client=client,
            )
        except DomainError as error:
            return merged_profile_conflict(customer, error)
        response = HttpResponse(produced.content, content_type=produced.content_type)
        if form == SubjectExport.Form.HTML:
            response["Content-Disposition"] = f'attachment; filename="{produced.filename}"'
        return response
