"""The store's day, scoped to the associate's store: my day, the pickup desk, the agenda."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from clienteling.availability import opening_ranges
from clienteling.models import Appointment, Associate, ProfileAccess, Task
from customers.models import Customer
from journeys.models import Pickup
from omni.models import Store

RECENT_CUSTOMERS = 8
DESK_LIMIT = 50
WEEK_AHEAD_DAYS = 7
# Bounds on what my day reads, whatever the size of the store.
MY_DAY_APPOINTMENTS = 300
MY_DAY_TASKS_DUE = 30
MY_DAY_TASKS_AHEAD = 60
MY_DAY_PICKUPS = 10
FOLLOW_UP_WITHIN_DAYS = 7
FOLLOW_UPS = 8


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
class DayAhead:
    """One of the coming days: what is booked in the store and which of my tasks fall due."""

    day: datetime.date
    is_open: bool
    appointments: list[Appointment] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.appointments and not self.tasks


@dataclass
class MyDay:
    today: datetime.date
    now: datetime.datetime
    # After closing time (or on a closed day), or once today's appointments are all past:
    # the screen leads with tomorrow.
    day_is_over: bool
    appointments: list[Appointment]
    tasks: list[Task]
    tomorrow: DayAhead
    # The days after tomorrow, up to a week from today.
    later: list[DayAhead]
    pickups_to_prepare: list[Pickup]
    pickups_waiting: list[Pickup]
    pickup_counts: dict[str, int]
    follow_ups: list[Appointment]
    recent_customers: list[Customer]

    @property
    def week_is_empty(self) -> bool:
        return all(day.is_empty for day in self.later)


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


def my_day(associate: Associate, *, now: datetime.datetime | None = None) -> MyDay:
    """Today, tomorrow and the week ahead of the associate's store, in a constant number of
    queries: appointments, my tasks due and coming, pickups, follow-ups to plan, who I saw."""
    store = associate.store
    now = now or timezone.now()
    today = timezone.localdate(now, store.zone)
    by_day = _appointments_by_day(store, today, now)
    todays = by_day.pop(today, [])
    tasks_due, tasks_ahead = _my_tasks(associate, today)
    days = _days_ahead(store, today, by_day, tasks_ahead)
    return MyDay(
        today=today,
        now=now,
        day_is_over=today_is_over(store, today, now, todays),
        appointments=todays,
        tasks=tasks_due,
        tomorrow=days[0],
        later=days[1:],
        pickups_to_prepare=list(
            desk_pickups(store, statuses=DESK_TABS["to_prepare"])[:MY_DAY_PICKUPS]
        ),
        pickups_waiting=list(desk_pickups(store, statuses=DESK_TABS["ready"])[:MY_DAY_PICKUPS]),
        # Only the pickups waiting for someone: not years of collected ones.
        pickup_counts=desk_counts(store, tabs=("to_prepare", "ready")),
        follow_ups=follow_ups_to_plan(store, now),
        recent_customers=recently_seen_customers(associate.user),
    )


def today_is_over(
    store: Store, today: datetime.date, now: datetime.datetime, appointments: list[Appointment]
) -> bool:
    """Past today's closing time (a closed day is over), or every appointment of today ended.
    A store without opening hours has only its appointments to tell."""
    if store.opening_hours:
        ranges = opening_ranges(store, today)
        if not ranges or now >= ranges[-1][1]:
            return True
    return bool(appointments) and all(booked.ends_at <= now for booked in appointments)


def _appointments_by_day(
    store: Store, today: datetime.date, now: datetime.datetime
) -> dict[datetime.date, list[Appointment]]:
    """Today's and the week ahead's appointments of the store (one query), by local day."""
    start, _end = store_day_bounds(store, today)
    end = start + datetime.timedelta(days=WEEK_AHEAD_DAYS + 1)
    appointments = (
        Appointment.objects.filter(store=store, starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("customer", "service", "associate__user")
        .order_by("starts_at", "pk")[:MY_DAY_APPOINTMENTS]
    )
    by_day: dict[datetime.date, list[Appointment]] = {}
    for appointment in appointments:
        day = timezone.localtime(appointment.starts_at, store.zone).date()
        by_day.setdefault(day, []).append(appointment)
    return by_day


def _my_tasks(associate: Associate, today: datetime.date) -> tuple[list[Task], list[Task]]:
    """My open tasks (or the store's unassigned ones): overdue and today's, then the week's."""
    open_tasks = (
        Task.objects.filter(store=associate.store, status=Task.Status.OPEN)
        .filter(Q(assignee=associate) | Q(assignee__isnull=True))
        .select_related("customer", "assignee__user")
        .order_by("due_on", "pk")
    )
    due = list(open_tasks.filter(due_on__lte=today)[:MY_DAY_TASKS_DUE])
    ahead = open_tasks.filter(
        due_on__gt=today, due_on__lte=today + datetime.timedelta(days=WEEK_AHEAD_DAYS)
    )
    return due, list(ahead[:MY_DAY_TASKS_AHEAD])


def _days_ahead(
    store: Store,
    today: datetime.date,
    appointments: dict[datetime.date, list[Appointment]],
    tasks: list[Task],
) -> list[DayAhead]:
    days = [
        DayAhead(
            day=day,
            is_open=not store.opening_hours or bool(opening_ranges(store, day)),
            appointments=appointments.get(day, []),
        )
        for day in (today + datetime.timedelta(days=n) for n in range(1, WEEK_AHEAD_DAYS + 1))
    ]
    for task in tasks:
        days[(task.due_on - today).days - 1].tasks.append(task)
    return days


def follow_ups_to_plan(store: Store, now: datetime.datetime) -> list[Appointment]:
    """The store's appointments completed in the last days with no follow-up planned since."""
    planned = Task.objects.filter(
        store=store,
        customer=OuterRef("customer_id"),
        reason=Task.Reason.APPOINTMENT_FOLLOW_UP,
        created_at__gte=OuterRef("starts_at"),
    )
    return list(
        Appointment.objects.filter(
            store=store,
            status=Appointment.Status.COMPLETED,
            starts_at__gte=now - datetime.timedelta(days=FOLLOW_UP_WITHIN_DAYS),
            starts_at__lt=now,
        )
        .exclude(Exists(planned))
        .select_related("customer", "service", "associate__user")
        .order_by("-starts_at", "-pk")[:FOLLOW_UPS]
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


# The tabs where pickups wait for someone, in the order the desk looks for work.
DESK_WORK_TABS = ("to_prepare", "ready", "expired")


def desk_counts(store: Store, *, tabs: tuple[str, ...] = tuple(DESK_TABS)) -> dict[str, int]:
    """How many of the store's pickups each of `tabs` holds (one grouped query, on the
    (store, status) index)."""
    counts = dict.fromkeys(tabs, 0)
    statuses = [status for name in tabs for status in DESK_TABS[name]]
    for status, number in (
        Pickup.objects.filter(store=store, status__in=statuses)
        .values("status")
        .annotate(number=Count("pk"))
        .order_by()
        .values_list("status", "number")
    ):
        for name in tabs:
            if status in DESK_TABS[name]:
                counts[name] += number
    return counts


def pickup_desk(store: Store, *, tab: str) -> PickupDesk:
    """The desk on the tab asked for; without one, on the first tab with work waiting."""
    counts = desk_counts(store)
    if tab not in DESK_TABS:
        tab = next((name for name in DESK_WORK_TABS if counts[name]), DESK_WORK_TABS[0])
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
