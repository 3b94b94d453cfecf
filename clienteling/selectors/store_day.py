"""The store's day, scoped to the associate's store: my day, the pickup desk, the agenda."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from clienteling.availability import opening_ranges
from clienteling.models import Appointment, Associate, ProfileAccess, Task
from customers.models import Customer
from journeys.models import Pickup
from omni.models import Store

RECENT_CUSTOMERS = 8
DESK_LIMIT = 50


def store_day_bounds(
    store: Store, day: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=store.zone)
    return start, start + datetime.timedelta(days=1)


def store_today(store: Store) -> datetime.date:
    return timezone.localdate(timezone.now(), store.zone)


def _appointments_on(store: Store, day: datetime.date) -> QuerySet[Appointment]:
    start, end = store_day_bounds(store, day)
    return (
        Appointment.objects.filter(store=store, starts_at__gte=start, starts_at__lt=end)
        .select_related("customer", "service", "associate__user")
        .order_by("starts_at", "pk")
    )


@dataclass
class MyDay:
    today: datetime.date
    appointments: list[Appointment]
    pickups_to_prepare: list[Pickup]
    pickups_waiting: list[Pickup]
    tasks: list[Task]
    recent_customers: list[Customer]


# The journal's doors where an associate opened a profile (not a search's list of results,
# nor the parts of a page she had opened).
PROFILE_OPENED = (
    ProfileAccess.Context.PROFILE,
    ProfileAccess.Context.BRIEF,
    ProfileAccess.Context.ORDER,
)


def recently_seen_customers(user: object) -> list[Customer]:
    entries = (
        ProfileAccess.objects.filter(
            user=user, context__in=PROFILE_OPENED, customer__erased_at__isnull=True
        )
        .select_related("customer")
        .order_by("-accessed_at", "-pk")[:50]
    )
    seen: dict[int, Customer] = {}
    for entry in entries:
        seen.setdefault(entry.customer_id, entry.customer)
    return list(seen.values())[:RECENT_CUSTOMERS]


def my_day(associate: Associate) -> MyDay:
    """Today's appointments, the pickups to prepare and waiting, my due tasks, who I saw."""
    store = associate.store
    today = store_today(store)
    appointments = _appointments_on(store, today).exclude(status=Appointment.Status.CANCELLED)
    tasks = (
        Task.objects.filter(store=store, status=Task.Status.OPEN, due_on__lte=today)
        .filter(Q(assignee=associate) | Q(assignee__isnull=True))
        .select_related("customer", "assignee__user")
        .order_by("due_on", "pk")[:30]
    )
    return MyDay(
        today=today,
        appointments=list(appointments),
        pickups_to_prepare=list(
            desk_pickups(store, statuses=(Pickup.Status.PLACED, Pickup.Status.PREPARING))[:10]
        ),
        pickups_waiting=list(desk_pickups(store, statuses=(Pickup.Status.READY,))[:10]),
        tasks=list(tasks),
        recent_customers=recently_seen_customers(associate.user),
    )


# Pickup desk -------------------------------------------------------------------------------


DESK_TABS = {
    "to_prepare": (Pickup.Status.PLACED, Pickup.Status.PREPARING),
    "ready": (Pickup.Status.READY,),
    "expired": (Pickup.Status.EXPIRED,),
    "collected": (Pickup.Status.COLLECTED,),
}


def desk_pickups(store: Store, *, statuses: tuple[str, ...]) -> QuerySet[Pickup]:
    ordering = (
        ("-collected_at",) if Pickup.Status.COLLECTED in statuses else ("pickup_by", "created_at")
    )
    return (
        Pickup.objects.filter(store=store, status__in=statuses)
        .select_related("order__customer")
        .order_by(*ordering, "pk")
    )


@dataclass
class PickupDesk:
    tab: str
    pickups: list[Pickup]
    counts: dict[str, int] = field(default_factory=dict)
    today: datetime.date | None = None


def pickup_desk(store: Store, *, tab: str) -> PickupDesk:
    tab = tab if tab in DESK_TABS else "to_prepare"
    counts = dict.fromkeys(DESK_TABS, 0)
    for status, number in (
        Pickup.objects.filter(store=store)
        .values("status")
        .annotate(number=Count("pk"))
        .order_by()
        .values_list("status", "number")
    ):
        for name, statuses in DESK_TABS.items():
            if status in statuses:
                counts[name] += number
    pickups = list(desk_pickups(store, statuses=DESK_TABS[tab])[:DESK_LIMIT])
    return PickupDesk(tab=tab, pickups=pickups, counts=counts, today=store_today(store))


def pickup_for_store(store: Store, pickup_id: int) -> Pickup:
    """A pickup of the associate's store; another store's pickup is not found (404)."""
    pickup = (
        Pickup.objects.filter(store=store, pk=pickup_id)
        .select_related("order__customer", "store")
        .prefetch_related("order__lines")
        .first()
    )
    if pickup is None:
        raise Http404
    return pickup


# Agenda ------------------------------------------------------------------------------------


# Appointments shorter than this are drawn this long, to be read and tapped.
AGENDA_SHORTEST_MINUTES = 30


@dataclass
class PlacedAppointment:
    """An appointment on the agenda's time axis: minutes from the axis' first hour, and the
    lane it takes beside appointments drawn over the same time (a cancelled one, say)."""

    appointment: Appointment
    offset: int
    length: int
    lane: int = 0
    lanes: int = 1

    @property
    def end(self) -> int:
        return self.offset + self.length


@dataclass
class AgendaColumn:
    associate: Associate
    appointments: list[Appointment]
    placed: list[PlacedAppointment] = field(default_factory=list)


@dataclass
class AgendaDay:
    columns: list[AgendaColumn]
    # The hours down the side (store time), first to last; empty when there is nothing to show.
    hours: list[int]
    # Minutes from the first hour to now, when now is on the axis.
    now_offset: int | None = None


def store_associates(store: Store) -> list[Associate]:
    return list(
        Associate.objects.filter(store=store, is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "pk")
    )


def _minutes_into(day: datetime.date, moment: datetime.datetime, zone: datetime.tzinfo) -> int:
    """Minutes from `day`'s midnight to `moment` (store time), within that day."""
    local = timezone.localtime(moment, zone)
    if local.date() != day:
        return 0 if local.date() < day else 24 * 60
    return local.hour * 60 + local.minute


def _axis_hours(store: Store, day: datetime.date, appointments: list[Appointment]) -> list[int]:
    """The opening hours of `day`, widened to every appointment of it."""
    moments = [moment for opening in opening_ranges(store, day) for moment in opening]
    moments += [moment for item in appointments for moment in (item.starts_at, item.ends_at)]
    if not moments:
        return []
    minutes = [_minutes_into(day, moment, store.zone) for moment in moments]
    first, last = min(minutes) // 60, -(-max(minutes) // 60)
    return list(range(first, max(last, first + 1)))


def _placed(
    appointments: list[Appointment], day: datetime.date, zone: datetime.tzinfo, first_hour: int
) -> list[PlacedAppointment]:
    placed = []
    for appointment in appointments:
        start = _minutes_into(day, appointment.starts_at, zone) - first_hour * 60
        end = _minutes_into(day, appointment.ends_at, zone) - first_hour * 60
        length = max(end - start, AGENDA_SHORTEST_MINUTES)
        placed.append(PlacedAppointment(appointment, start, length))
    _share_lanes(placed)
    return placed


def _share_lanes(placed: list[PlacedAppointment]) -> None:
    """Side by side, appointments drawn over the same time: each takes the first free lane of
    its group of overlapping appointments, and the group shares the column's width."""
    group: list[PlacedAppointment] = []
    lane_ends: list[int] = []
    for item in sorted(placed, key=lambda item: (item.offset, -item.length)):
        if group and item.offset >= max(lane_ends):
            for member in group:
                member.lanes = len(lane_ends)
            group, lane_ends = [], []
        free = [lane for lane, end in enumerate(lane_ends) if end <= item.offset]
        item.lane = free[0] if free else len(lane_ends)
        if free:
            lane_ends[item.lane] = item.end
        else:
            lane_ends.append(item.end)
        group.append(item)
    for member in group:
        member.lanes = len(lane_ends)


def store_agenda(
    store: Store,
    day: datetime.date,
    *,
    associates: list[Associate],
    now: datetime.datetime | None = None,
) -> AgendaDay:
    """The day's appointments of `associates` (one query), one column each, placed on a time
    axis of the store's opening hours."""
    columns = {person.pk: AgendaColumn(person, []) for person in associates}
    appointments = list(_appointments_on(store, day).filter(associate__in=list(columns)))
    for appointment in appointments:
        columns[appointment.associate_id].appointments.append(appointment)
    hours = _axis_hours(store, day, appointments)
    for column in columns.values():
        column.placed = _placed(column.appointments, day, store.zone, hours[0] if hours else 0)
    now = timezone.localtime(now or timezone.now(), store.zone)
    now_offset = None
    if hours and now.date() == day and hours[0] <= now.hour <= hours[-1]:
        now_offset = (now.hour - hours[0]) * 60 + now.minute
    return AgendaDay(list(columns.values()), hours, now_offset)


def appointment_for_store(store: Store, appointment_id: int) -> Appointment:
    appointment = (
        Appointment.objects.filter(store=store, pk=appointment_id)
        .select_related("customer", "service", "associate__user", "store")
        .first()
    )
    if appointment is None:
        raise Http404
    return appointment


def task_for_store(store: Store, task_id: int) -> Task:
    task = Task.objects.filter(store=store, pk=task_id).first()
    if task is None:
        raise Http404
    return task
