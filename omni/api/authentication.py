"""`Authorization: Bearer <token>` for API clients."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from omni.api.clients import api_client_for_token
from omni.api.principals import ApiClientUser
from omni.logs import log_context_add
from omni.models import ApiClient

MAX_TOKEN_LENGTH = 200


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ApiClientUser, ApiClient] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # Not ours: the session authentication may apply.
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send “Authorization: Bearer <token>”."))
        try:
            raw_token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        client = api_client_for_token(raw_token) if len(raw_token) <= MAX_TOKEN_LENGTH else None
        if client is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        log_context_add(api_client_id=client.pk)  # the request's log lines name the client
        return ApiClientUser(client), client

    def authenticate_header(self, request: Request) -> str:
        # A WWW-Authenticate header is what makes DRF answer 401 rather than 403.
        return f'{self.keyword} realm="api"'
