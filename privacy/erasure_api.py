"""POST /api/v1/customers/{id}/erase: the DPO's erasure through the API (scope gdpr:write).

A global API client with the scope, or a signed-in user holding privacy.erase_customer; a
store-limited client is refused whatever its scopes (erasure is the DPO's, not a store's).
The body is empty or an empty JSON object; erasing an erased profile answers 200 with
`already_erased` and changes nothing.
"""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Customer
from omni.api.authentication import BearerTokenAuthentication
from omni.api.exception_handler import error_body
from omni.api.idempotency import idempotent
from omni.api.parsers import LimitedJSONParser
from omni.api.permissions import GlobalScopeOrPermission
from omni.api.principals import ApiClientUser
from omni.api.schema import ErrorSerializer
from omni.errors import DomainError
from omni.models import ApiClient, ApiScope
from privacy.erasure import customer_erase
from privacy.models import Door


class DataProtectionAccess(GlobalScopeOrPermission):
    """The GDPR scope for an API client (not limited to a store), the permission for a user."""

    scope = ApiScope.GDPR_WRITE
    permission = "privacy.erase_customer"
    message = gettext_lazy("Only the data protection officer may do this.")


def customer_or_404(pk: str) -> Customer:
    """The profile named in the URL; any other segment than a profile number is a 404."""
    customer = None
    if pk.isascii() and pk.isdigit() and len(pk) <= 18:
        customer = Customer.objects.filter(pk=pk).first()
    if customer is None:
        raise NotFound(_("Unknown customer #%s.") % pk[:20])
    return customer


def requester(request: Request) -> tuple[Any, ApiClient | None]:
    """(user, API client) to record: one of them, the other None."""
    client = request.auth if isinstance(request.auth, ApiClient) else None
    user = None if isinstance(request.user, ApiClientUser) else request.user
    return user, client


def merged_profile_conflict(customer: Customer, error: DomainError) -> Response:
    """409 for a profile merged into another, naming the one to ask for instead."""
    body = error_body(error.code or "conflict", error.message)
    body["survivor"] = customer.merged_into_id
    return Response(body, status=status.HTTP_409_CONFLICT)


ERASURE_ANSWER = inline_serializer(
    "CustomerErasure",
    {
        "customer": serializers.IntegerField(),
        "erased_at": serializers.DateTimeField(),
        "already_erased": serializers.BooleanField(),
        "profiles": serializers.IntegerField(help_text="Her profile and those merged into it."),
        "counts": serializers.DictField(
            child=serializers.IntegerField(), help_text="Rows erased or redacted, by model."
        ),
    },
)


# Any segment in place of the id comes here and gets a 404 (as the export's route).
CUSTOMER_ERASE_PATH = r"^customers/(?P<pk>[^/]+)/erase$"


class DataProtectionView(APIView):
    """What the data protection endpoints share: a token or a session, JSON in and out, the
    `gdpr:*` scopes. Each says who may call it (`permission_classes`)."""

    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    parser_classes = [LimitedJSONParser]
    renderer_classes = [JSONRenderer]
    scope_resource = "gdpr"


class CustomerEraseView(DataProtectionView):
    permission_classes = [DataProtectionAccess]

    @extend_schema(
        operation_id="customers_erase",
        tags=["customers"],
        summary="Erase a person's data (GDPR art. 17)",
        request=None,
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The profile number.")
        ],
        responses={
            200: ERASURE_ANSWER,
            409: OpenApiResponse(
                ErrorSerializer, description="A profile merged into another: erase that one."
            ),
        },
    )
    @idempotent
    def post(self, request: Request, pk: str) -> Response:
        """Erase her personal data and that of the profiles merged into hers; orders stay,
        pseudonymised. Idempotent: a second call answers `already_erased`."""
        customer = customer_or_404(pk)
        if request.data:
            raise ParseError(_("Send an empty body: erasure takes no options."))
        user, client = requester(request)
        try:
            outcome = customer_erase(customer=customer, door=Door.API, user=user, api_client=client)
        except DomainError as error:
            return merged_profile_conflict(customer, error)
        erasure = outcome.erasure
        return Response(
            {
                "customer": customer.pk,
                "erased_at": erasure.erased_at,
                "already_erased": outcome.already_erased,
                "profiles": erasure.profiles,
                "counts": erasure.counts,
            }
        )
