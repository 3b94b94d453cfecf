"""Cursor pagination: stable pages while the data changes, so a channel system can pull changes.

Lists are ordered by `updated_at` by default: with the `updated_since` filter, a client keeps
the last cursor (or the latest `updated_at` it saw) and asks again later for what changed.
"""

from typing import Any

from django.db.models import QuerySet
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("updated_at", "id")

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> tuple[str, ...]:
        return tuple(getattr(view, "cursor_ordering", self.ordering))

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [str(self.invalid_cursor_message)]}
            ) from None
