"""The base of every API endpoint: authentication, scopes, JSON, filters, cursor pages."""

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from omni.api.authentication import BearerTokenAuthentication
from omni.api.pagination import ApiCursorPagination
from omni.api.parsers import LimitedJSONParser
from omni.api.permissions import HasApiScope
from omni.api.principals import ApiPrincipal, principal_of
from omni.api_writer import api_client_writing, writing_is
from omni.errors import DomainError
from omni.models import Store


class ApiViewSet(viewsets.GenericViewSet):
    """Subclasses set `scope_resource` (e.g. "orders") and, for lists, a `filterset_class`."""

    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [HasApiScope]
    parser_classes = [LimitedJSONParser]
    renderer_classes = [JSONRenderer]
    filter_backends = [DjangoFilterBackend]
    pagination_class = ApiCursorPagination
    lookup_value_regex = r"[0-9]+"
    metadata_class = None  # OPTIONS answers 405: the schema at /api/schema/ describes it all.
    scope_resource: str = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Times go out in UTC whatever the session's zone; naive times sent in are read as UTC.
        with timezone.override(datetime.UTC), api_client_writing(None):
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        principal = principal_of(request)
        if principal is not None and principal.client is not None:
            # Histories written during this request name the client (omni.api_writer).
            writing_is(principal.client)

    def finalize_response(
        self, request: HttpRequest, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response):
            response.add_post_render_callback(self._release_page)
        return response

    def _release_page(self, response: Response) -> None:
        """Once the JSON is written, empty the page's list of rows. The view, its request and
        the serializers refer to each other, so whatever they hold waits for the cycle
        collector: a page of 200 customers left 7,000 objects per request, and the
        collector's passes over them made one request in thirty take 100 ms. Every holder
        shares that one list: emptied, the rows are freed at once."""
        page = getattr(getattr(self, "_paginator", None), "page", None)
        if isinstance(page, list):
            page.clear()
        # The response names itself and the view in its renderer context, the view names it
        # back, and the data written is kept by its serializer, whose fields name it back:
        # cut those loops, so that the data goes with the response.
        response.renderer_context = {}
        self.response = None
        data = response.data
        results = data.get("results") if isinstance(data, dict) else None
        serializer = getattr(results, "serializer", None)
        if serializer is not None:
            serializer.__dict__.pop("_data", None)
            results.serializer = None

    @property
    def principal(self) -> ApiPrincipal:
        principal = principal_of(self.request)
        if principal is None:
            raise NotAuthenticated()
        return principal

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["principal"] = principal_of(self.request) if self.request else None
        return context

    def check_store_allowed(self, store_id: int | None) -> None:
        """Refuse (403) a write placing a record in a store this principal may not act for."""
        if store_id is not None and not self.principal.can_see_store(store_id):
            raise DomainError(
                _("This API client may only act for its own store."), code="store_forbidden"
            )

    @property
    def customers_store(self) -> Store | None:
        """The store whose customers, orders and returns only this principal sees (a
        store-limited API client's), None when it sees every store's."""
        if getattr(self, "swagger_fake_view", False):
            return None  # The schema generator has no request principal.
        return self.principal.customers_store

    def limit_to_store(self, queryset: QuerySet, field: str = "store") -> QuerySet:
        """Records of other stores disappear (404) for a store-bound principal."""
        if getattr(self, "swagger_fake_view", False):
            return queryset  # The schema generator has no request principal.
        store = self.principal.store
        return queryset if store is None else queryset.filter(**{field: store})
