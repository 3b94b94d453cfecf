"""OpenAPI details drf-spectacular cannot infer: the error responses, scopes, the Bearer scheme."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from omni.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from omni.api.permissions import required_scope

BODY_METHODS = ("POST", "PUT", "PATCH")
ERROR_DESCRIPTIONS = {
    "400": "Invalid request: the `errors` object maps each field to its messages.",
    "401": "No credentials, or an invalid or revoked token.",
    "403": "The API client lacks the scope this operation requires.",
    "404": "Not found, or it belongs to a store this client may not see.",
    "409": "Conflicts with the current state (transition not allowed, key in use...).",
    "413": "The request body or the batch is too large.",
    "415": "The body must be JSON (Content-Type: application/json).",
    "422": "Refused by a business rule, or an Idempotency-Key reused with another body.",
}


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    code = serializers.CharField(help_text="Machine-readable error code, e.g. `unknown_store`.")
    detail = serializers.CharField(help_text="A human-readable summary.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field (dotted path for nested data, `non_field_errors` otherwise) → messages.",
    )


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID). A retry with the same key and body gets the stored "
        "response (header `Idempotent-Replayed: true`); the same key with another body gets "
        "422. Keys are kept at least 24 hours."
    ),
)


class OmniAutoSchema(AutoSchema):
    def get_override_parameters(self) -> list:
        parameters = list(super().get_override_parameters())
        handler = (
            getattr(self.view, self.view.action, None) if hasattr(self.view, "action") else None
        )
        handler = handler or getattr(self.view, self.method.lower(), None)
        if self.method == "POST" and getattr(handler, "idempotent", False):
            parameters.append(IDEMPOTENCY_PARAMETER)
        return parameters

    def get_description(self) -> str:
        description = super().get_description()
        if not hasattr(self.view, "scope_resource") and not hasattr(self.view, "required_scopes"):
            return description
        scope = required_scope(self.view, self.method)
        return f"{description}\n\nRequires the `{scope}` scope.".strip()

    def _error_codes(self) -> list[str]:
        codes = ["401", "403", *getattr(self.view, "extra_error_codes", ())]
        if "{" in self.path:
            codes.append("404")
        if self.method in BODY_METHODS:
            codes += ["400", "409", "413", "415", "422"]
        elif self.method == "DELETE":
            codes += ["409", "422"]
        elif self._is_list_view() or self.get_filter_backends():
            codes.append("400")
        return sorted(set(codes))

    def _get_response_bodies(self, direction: Any = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "omni.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API client token: `Authorization: Bearer omni_…`.",
        }
