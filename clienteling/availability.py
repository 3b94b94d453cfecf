"""Free appointment slots: store opening hours, minus what each qualified associate has booked.

A slot is offered when the whole service fits inside one opening range, starts on the
`step` grid from the opening time, lies in the future, and overlaps none of the associate's
occupying appointments. `appointment_book` re-checks under lock, so a slot shown here and
taken meanwhile is refused cleanly.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from clienteling.models import Appointment, Associate
from omni.models import WEEKDAYS, Service, Store

DEFAULT_STEP_MINUTES = 15
Interval = tuple[datetime.datetime, datetime.datetime]


@dataclass(frozen=True)
class Slot:
    associate: Associate
    starts_at: datetime.datetime
    ends_at: datetime.datetime

    @property
    def key(self) -> str:
        """What a form posts back to pick this slot."""
        return f"{self.associate.pk}|{self.starts_at.isoformat()}"


def qualified_associates(*, store: Store, service: Service) -> QuerySet[Associate]:
    """Active associates of `store` who hold the specialty `service` requires, if any."""
    associates = Associate.objects.filter(store=store, is_active=True).select_related("user")
    if service.required_specialty_id:
        associates = associates.filter(specialties=service.required_specialty_id)
    return associates.order_by("user__first_name", "user__last_name", "pk")


def opening_ranges(store: Store, day: datetime.date) -> list[Interval]:
    """The store's opening ranges on `day`, as aware datetimes in the store's zone."""
    ranges = store.opening_hours.get(WEEKDAYS[day.weekday()], [])
    zone = store.zone
    return sorted(
        (
            datetime.datetime.combine(day, datetime.time.fromisoformat(opening), tzinfo=zone),
            datetime.datetime.combine(day, datetime.time.fromisoformat(closing), tzinfo=zone),
        )
        for opening, closing in ranges
    )


def _busy_intervals(
    associates: list[Associate], day_start: datetime.datetime, day_end: datetime.datetime
) -> dict[int, list[Interval]]:
    busy: dict[int, list[Interval]] = defaultdict(list)
    rows = Appointment.objects.filter(
        associate__in=associates,
        status__in=Appointment.OCCUPYING_STATUSES,
        starts_at__lt=day_end,
        ends_at__gt=day_start,
    ).values_list("associate_id", "starts_at", "ends_at")
    for associate_id, starts_at, ends_at in rows:
        busy[associate_id].append((starts_at, ends_at))
    return busy


def _candidate_starts(
    ranges: list[Interval], duration: datetime.timedelta, step: datetime.timedelta
) -> list[Interval]:
    candidates = []
    for opening, closing in ranges:
        start = opening
        while start + duration <= closing:
            candidates.append((start, start + duration))
            start += step
    return candidates


def free_slots(
    *,
    store: Store,
    service: Service,
    day: datetime.date,
    associate: Associate | None = None,
    now: datetime.datetime | None = None,
    step_minutes: int = DEFAULT_STEP_MINUTES,
) -> list[Slot]:
    """Every free start time on `day` for `service`, per qualified associate (two queries)."""
    if not service.is_active or not store.services.filter(pk=service.pk).exists():
        return []
    associates = list(qualified_associates(store=store, service=service))
    if associate is not None:
        associates = [candidate for candidate in associates if candidate.pk == associate.pk]
    ranges = opening_ranges(store, day)
    if not associates or not ranges:
        return []
    now = now or timezone.now()
    duration = datetime.timedelta(minutes=service.duration_minutes)
    candidates = [
        (start, end)
        for start, end in _candidate_starts(
            ranges, duration, datetime.timedelta(minutes=step_minutes)
        )
        if start >= now
    ]
    busy = _busy_intervals(associates, ranges[0][0], ranges[-1][1])
    slots = [
        Slot(associate=person, starts_at=start, ends_at=end)
        for person in associates
        for start, end in candidates
        if not any(
            start < taken_end and end > taken_start for taken_start, taken_end in busy[person.pk]
        )
    ]
    return sorted(slots, key=lambda slot: slot.starts_at)


# Free times as the booking sheet shows them ---------------------------------------------------

# Parts of the day, by the hour (store time) they start at.
DAY_PARTS = (
    ("morning", gettext_lazy("Morning"), 0),
    ("afternoon", gettext_lazy("Afternoon"), 12),
    ("evening", gettext_lazy("Evening"), 18),
)


@dataclass
class DayPart:
    name: str
    label: str
    slots: list[Slot] = field(default_factory=list)


@dataclass
class AssociateSlots:
    """One associate's free times, split into the parts of the day that have any."""

    associate: Associate
    is_me: bool
    parts: list[DayPart]

    @property
    def count(self) -> int:
        return sum(len(part.slots) for part in self.parts)


def day_part(moment: datetime.datetime, zone: datetime.tzinfo) -> str:
    hour = timezone.localtime(moment, zone).hour
    return next(name for name, _label, starts in reversed(DAY_PARTS) if hour >= starts)


def slots_by_associate(
    slots: list[Slot], *, zone: datetime.tzinfo, me: Associate | None = None
) -> list[AssociateSlots]:
    """`slots` per associate, `me` first (when she has any) then by name, each associate's in
    morning, afternoon and evening."""
    by_associate: dict[int, AssociateSlots] = {}
    for slot in sorted(slots, key=lambda slot: slot.starts_at):
        person = slot.associate
        if person.pk not in by_associate:
            parts = [DayPart(name, str(label)) for name, label, _starts in DAY_PARTS]
            is_me = me is not None and person.pk == me.pk
            by_associate[person.pk] = AssociateSlots(person, is_me, parts)
        parts = by_associate[person.pk].parts
        name = day_part(slot.starts_at, zone)
        next(part for part in parts if part.name == name).slots.append(slot)
    groups = sorted(
        by_associate.values(),
        key=lambda group: (not group.is_me, str(group.associate).lower(), group.associate.pk),
    )
    for group in groups:
        group.parts = [part for part in group.parts if part.slots]
    return groups
