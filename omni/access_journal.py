"""The access journal's entry point: every read of customers' personal data, through which door.

Every app reports what it showed of which customers with `journal_reads`; the apps below
clienteling do not know where the journal is kept, so clienteling registers the writer
(`register_writer`, from its AppConfig.ready) and stores the entries (`ProfileAccess`).

Within a request the entries wait in a list that `AccessJournalMiddleware` writes once the
response is known: one INSERT for the whole request, whatever the number of customers shown
(a page of 200 API rows is one statement), and nothing for a request that failed (status 400
or more). Outside a request (a task, a command, a test calling a service) they are written at
once.
"""

import contextvars
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext_lazy as _

# A query typed can itself be personal data (a name, a phone number): only its start is kept.
QUERY_MAX_LENGTH = 100


class Door(models.TextChoices):
    """Through which screen or entry point a customer's personal data was read."""

    PROFILE = "profile", _("Tablet: customer 360")
    BRIEF = "brief", _("Tablet: appointment brief")
    ORDER = "order", _("Tablet: order detail")
    TABLET_SEARCH = "tablet_search", _("Tablet: search")
    TABLET_PARTIAL = "tablet_partial", _("Tablet: part of the 360")
    ADMIN_LIST = "admin_list", _("Admin: customer list")
    ADMIN_SEARCH = "admin_search", _("Admin: customer search")
    ADMIN_CHANGE = "admin_change", _("Admin: customer page")
    # The admin's lists and pages of what is kept about customers (omni.access_journal_admin).
    ADMIN_RECORDS = "admin_records", _("Admin: list of customer records (orders, consents…)")
    ADMIN_RECORD = "admin_record", _("Admin: page of a customer record (an order, a consent…)")
    API = "api", _("API")
    SEGMENT_PULL = "segment_pull", _("API: segment members")
    SEGMENT_MEMBERS = "segment_members", _("Admin: segment members")
    SEGMENT_EXPORT = "segment_export", _("Admin: segment export")
    SUBJECT_EXPORT = "subject_export", _("Data protection: subject access export")


@dataclass(frozen=True)
class JournalEntry:
    """Reads of the same door by the same reader: either a list of customer ids, or a queryset
    of them (`values("pk")`, for an export of any size: copied by the database)."""

    customer_ids: Sequence[int] | QuerySet
    door: str
    user_id: int | None = None
    api_client_id: int | None = None
    store_id: int | None = None
    query: str = ""
    segment_export_id: int | None = None


Writer = Callable[[Sequence[JournalEntry]], None]
_writer: Writer | None = None
_pending: contextvars.ContextVar[list[JournalEntry] | None] = contextvars.ContextVar(
    "access_journal_pending", default=None
)


def register_writer(writer: Writer) -> None:
    """Where the entries are stored (clienteling's ProfileAccess, registered when it loads)."""
    global _writer
    _writer = writer


def _write(entries: Sequence[JournalEntry]) -> None:
    if _writer is None:
        raise RuntimeError("No access journal writer is registered (is clienteling installed?).")
    _writer(entries)


def _user_id(user: Any) -> int | None:
    """A signed-in person's id; None for an anonymous visitor or an API client's stand-in."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "pk", None)


def _unique(customer_ids: Iterable[Any]) -> list[int]:
    return list(dict.fromkeys(int(pk) for pk in customer_ids if pk is not None))


def journal_reads(
    customer_ids: Iterable[Any] | QuerySet,
    door: str,
    *,
    user: Any = None,
    api_client: Any = None,
    store: Any = None,
    query: str = "",
    segment_export_id: int | None = None,
) -> None:
    """Journal that these customers' personal data was read through `door` by `user` or
    `api_client` (from `store`), with the search `query` typed if any.

    `customer_ids` is the ids shown, or a queryset of ids (an export). Nothing is written
    when it is empty; within a request, nothing before the response is known to succeed.
    """
    ids = customer_ids if isinstance(customer_ids, QuerySet) else _unique(customer_ids)
    if not isinstance(ids, QuerySet) and not ids:
        return
    entry = JournalEntry(
        customer_ids=ids,
        door=str(door),
        user_id=_user_id(user),
        api_client_id=getattr(api_client, "pk", None),
        store_id=getattr(store, "pk", None),
        query=(query or "").strip()[:QUERY_MAX_LENGTH],
        segment_export_id=segment_export_id,
    )
    pending = _pending.get()
    if pending is None:
        _write([entry])
    else:
        pending.append(entry)


class AccessJournalMiddleware:
    """Writes the request's journal entries once its response succeeded (status below 400)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        pending: list[JournalEntry] = []
        token = _pending.set(pending)
        try:
            response = self.get_response(request)
        finally:
            _pending.reset(token)
        if pending and response.status_code < 400:
            _write(pending)
        return response
