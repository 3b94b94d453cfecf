"""The DPO's reads of the access journal: one customer's entries, newest first, by page."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from clienteling.models import ProfileAccess

ENTRIES_PER_PAGE = 50


@dataclass(frozen=True)
class JournalPage:
    entries: list[ProfileAccess]
    number: int
    has_previous: bool
    has_next: bool

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1


def _page_number(raw: str) -> int:
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def customer_journal_page(customer_id: int, page: str) -> JournalPage:
    """A page of her journal, read from the (customer, -accessed_at) index: one row more than
    the page tells whether another follows, so her journal is never counted."""
    number = _page_number(page)
    start = (number - 1) * ENTRIES_PER_PAGE
    rows = list(
        ProfileAccess.objects.filter(customer_id=customer_id)
        .select_related("user", "api_client", "store")
        .order_by("-accessed_at", "-id")[start : start + ENTRIES_PER_PAGE + 1]
    )
    return JournalPage(
        entries=rows[:ENTRIES_PER_PAGE],
        number=number,
        has_previous=number > 1,
        has_next=len(rows) > ENTRIES_PER_PAGE,
    )


def access_reader(access: ProfileAccess) -> str:
    """Who read: the person (username), or the integration (API client)."""
    if access.api_client_id is not None:
        return _("API client %(name)s") % {"name": access.api_client}
    if access.user_id is not None:
        return str(access.user)
    return _("(unknown)")
