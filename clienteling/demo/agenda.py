"""The associates' side: appointments that never overlap, follow-up tasks, notes."""

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User

from clienteling.demo import catalogue
from clienteling.demo.calendar import at, local_day, random_moment
from clienteling.demo.profiles import CustomerPlan
from clienteling.demo.world import DemoWorld, Step
from clienteling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentStatusChange,
    Associate,
    Note,
    Task,
    TaskStatus,
)
from journeys.models import Pickup, PickupStatus
from omni.models import Channel, Service, Store

SPECIALTIES_OF_STAFF = {spec.username: spec.specialties for spec in catalogue.STAFF}
SERVICES_OF_STORE = {spec.code: spec.services for spec in catalogue.STORES}
SPECIALTY_OF_SERVICE = {spec.code: spec.specialty for spec in catalogue.SERVICES}
PAST_STATUSES = (
    AppointmentStatus.COMPLETED,
    AppointmentStatus.NO_SHOW,
    AppointmentStatus.CANCELLED,
)
UPCOMING_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)
BOOKING_HORIZON_DAYS = 14


class AgendaBook:
    """Hands out appointment slots within opening hours, never two at once for one associate.

    For each associate and day, slots are given in time order after the last one handed out,
    so overlaps are impossible by construction (PostgreSQL's exclusion constraint agrees).
    """

    def __init__(self, world: DemoWorld) -> None:
        self.world = world
        self._busy_until: dict[tuple[int, date], datetime] = {}

    def reserve(
        self,
        associate: Associate,
        service: Service,
        day: date,
        *,
        earliest: time | None = None,
        gap_minutes: int = 0,
    ) -> tuple[datetime, datetime] | None:
        busy_until = self._busy_until.get((associate.pk, day))
        for opening, closing in self.world.hours[associate.store_id].get(day.weekday(), []):
            candidates = [at(day, opening), at(day, earliest or opening)]
            start = max([*candidates, busy_until] if busy_until else candidates)
            start = _next_quarter(start + timedelta(minutes=gap_minutes))
            end = start + timedelta(minutes=service.duration_minutes)
            if end <= at(day, closing):
                self._busy_until[associate.pk, day] = end
                return start, end
        return None


def _next_quarter(moment: datetime) -> datetime:
    moment = moment.replace(second=0, microsecond=0)
    return moment + timedelta(minutes=-moment.minute % 15)


def bookable_services(world: DemoWorld) -> dict[int, list[tuple[Associate, Service]]]:
    """Per store: who can perform which of the services it offers."""
    pairs: dict[int, list[tuple[Associate, Service]]] = {}
    for username, associate in world.associates.items():
        for code in SERVICES_OF_STORE[associate.store.code]:
            if SPECIALTY_OF_SERVICE[code] in SPECIALTIES_OF_STAFF[username]:
                pairs.setdefault(associate.store_id, []).append((associate, world.services[code]))
    return pairs


def appointment(
    world: DemoWorld,
    rng: random.Random,
    plan: CustomerPlan,
    associate: Associate,
    service: Service,
    slot: tuple[datetime, datetime],
    status: str,
    *,
    booked_via: str | None = None,
) -> Appointment:
    starts_at, ends_at = slot
    booked_via = (
        booked_via
        or rng.choices((Channel.WEB, Channel.STORE, Channel.PHONE), weights=(45, 40, 15))[0]
    )
    online = booked_via == Channel.WEB
    created_at = max(starts_at - timedelta(days=rng.uniform(1, 21)), plan.since)
    return Appointment(
        customer=plan.customer,
        store=associate.store,
        associate=associate,
        service=service,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status,
        booked_via=booked_via,
        booked_by=None if online else rng.choice(world.team(associate.store)).user,
        customer_request=rng.choice(catalogue.CUSTOMER_REQUESTS[service.code]) if online else "",
        source="booking" if online else "",
        external_reference=f"BK-{world.next_number('booking'):07d}" if online else None,
        created_at=min(created_at, world.now - timedelta(minutes=5)),
    )


def regular_appointments(
    world: DemoWorld, book: AgendaBook, plans: list[CustomerPlan]
) -> list[Appointment]:
    """Past appointments over two years and upcoming ones over the next two weeks."""
    rng = world.rng("appointments")
    pairs = bookable_services(world)
    clients = [plan for plan in plans if not plan.hero and _books_at_home(plan, pairs)]
    if not clients:
        return []
    appointments = []
    past_count, upcoming_count = max(12, len(plans) // 8), max(8, len(plans) // 25)
    for number in range(past_count + upcoming_count):
        upcoming = number >= past_count
        statuses = UPCOMING_STATUSES if upcoming else PAST_STATUSES
        index = number - past_count if upcoming else number
        status = statuses[index] if index < len(statuses) else _likely_status(rng, upcoming)
        booked = _book_one(world, rng, book, pairs, clients, status, upcoming=upcoming)
        if booked is not None:
            appointments.append(booked)
    return appointments


def _books_at_home(plan: CustomerPlan, pairs: dict[int, list]) -> bool:
    store = plan.home_store
    if store is None or store.pk not in pairs:
        return False
    return plan.likes_beauty if store.kind == Store.Kind.INSTITUTE else plan.likes_fashion


def _likely_status(rng: random.Random, upcoming: bool) -> str:
    if upcoming:
        return rng.choice(UPCOMING_STATUSES)
    return rng.choices(PAST_STATUSES, weights=(78, 8, 14))[0]


def _book_one(
    world: DemoWorld,
    rng: random.Random,
    book: AgendaBook,
    pairs: dict[int, list[tuple[Associate, Service]]],
    clients: list[CustomerPlan],
    status: str,
    *,
    upcoming: bool,
) -> Appointment | None:
    today = local_day(world.now)
    for _attempt in range(30):
        plan = rng.choice(clients)
        associate, service = rng.choice(pairs[plan.home_store.pk])
        if upcoming:
            day = today + timedelta(days=rng.randint(1, BOOKING_HORIZON_DAYS))
        else:
            earliest = max(plan.since, world.now - timedelta(days=730))
            day = local_day(random_moment(rng, earliest, world.now - timedelta(days=1)))
        slot = book.reserve(associate, service, day, gap_minutes=rng.choice((0, 0, 15, 30, 60)))
        if slot is not None and slot[0] > plan.since and (slot[0] > world.now) == upcoming:
            return appointment(world, rng, plan, associate, service, slot, status)
    return None


# (day from today, not before) of the bookings each store gets this week, whatever the
# hour the demo is seeded: so today, tomorrow and the week ahead all have some, and the last
# days some completed ones still to follow up.
WEEK_AHEAD_BOOKINGS = (
    (-2, time(11)),
    (-1, time(16)),
    (0, time(10)),
    (0, time(15)),
    *((in_days, time(hour)) for in_days in range(1, 8) for hour in (10, 14)),
)


def week_ahead_appointments(
    world: DemoWorld, book: AgendaBook, plans: list[CustomerPlan]
) -> list[Appointment]:
    """Every store that offers services: two bookings today (done once past) and on each
    open day of the coming week, one on each of the last two days (done)."""
    rng = world.rng("week-ahead-appointments")
    pairs = bookable_services(world)
    appointments = []
    for store_id, store_pairs in pairs.items():
        clients = [plan for plan in plans if not plan.hero and _books_at_home(plan, pairs)]
        clients = [
            plan
            for plan in clients
            if plan.home_store.pk == store_id and plan.since < world.now - timedelta(days=1)
        ]
        for in_days, earliest in WEEK_AHEAD_BOOKINGS if clients else ():
            associate, service = rng.choice(store_pairs)
            day = local_day(world.now) + timedelta(days=in_days)
            slot = book.reserve(associate, service, day, earliest=earliest)
            if slot is None:
                continue
            plan = rng.choice(clients)
            status = _status_at(world, rng, slot)
            appointments.append(appointment(world, rng, plan, associate, service, slot, status))
    return appointments


def _status_at(world: DemoWorld, rng: random.Random, slot: tuple[datetime, datetime]) -> str:
    if slot[1] <= world.now:
        return AppointmentStatus.COMPLETED
    if slot[0] <= world.now:
        return AppointmentStatus.CONFIRMED
    return rng.choice(UPCOMING_STATUSES)


def write_appointments(world: DemoWorld, appointments: list[Appointment]) -> None:
    rng = world.rng("appointment-history")
    history = []
    for booked in appointments:
        steps = _appointment_steps(world, rng, booked)
        booked.updated_at = steps[-1][2] if steps else booked.created_at
        history += [
            AppointmentStatusChange(
                subject=booked,
                from_status=before,
                to_status=after,
                changed_at=moment,
                actor=actor,
                note=note,
            )
            for before, after, moment, actor, note in steps
        ]
    world.insert(appointments)
    world.insert(history)


def _appointment_steps(world: DemoWorld, rng: random.Random, booked: Appointment) -> list[Step]:
    created, starts_at, status = booked.created_at, booked.starts_at, booked.status
    decided_at = min(created + (starts_at - created) * rng.uniform(0.2, 0.8), world.now)
    by_sms = booked.booked_via == Channel.WEB
    confirmed = (
        AppointmentStatus.BOOKED,
        AppointmentStatus.CONFIRMED,
        decided_at,
        None if by_sms else booked.associate.user,
        "Confirmé par SMS" if by_sms else "",
    )
    match status:
        case AppointmentStatus.CONFIRMED:
            return [confirmed]
        case AppointmentStatus.COMPLETED:
            done = (AppointmentStatus.CONFIRMED, status, booked.ends_at, booked.associate.user, "")
            return [confirmed, done]
        case AppointmentStatus.NO_SHOW:
            missed_at = starts_at + timedelta(minutes=20)
            return [
                confirmed,
                (AppointmentStatus.CONFIRMED, status, missed_at, booked.associate.user, ""),
            ]
        case AppointmentStatus.CANCELLED:
            return [(AppointmentStatus.BOOKED, status, decided_at, None, "Annulé par la cliente")]
    return []


TASK_TITLES = {
    Task.Reason.FOLLOW_UP: "Prendre des nouvelles de {name} après son achat",
    Task.Reason.APPOINTMENT_FOLLOW_UP: "Suivi après le rendez-vous de {name}",
    Task.Reason.PUT_BACK: "Remettre en rayon la commande non retirée de {name}",
    Task.Reason.CALL_BACK: "Rappeler {name}",
    Task.Reason.AFTER_SALES: "Informer {name} de l'avancement de son SAV",
    Task.Reason.BIRTHDAY: "Souhaiter l'anniversaire de {name}",
}
# A task is open (due soon), done, overdue (open, due date passed) or cancelled.
TASK_STATES = ("open", "done", "overdue", "cancelled")


def build_tasks(world: DemoWorld, plans: list[CustomerPlan]) -> None:
    rng = world.rng("tasks")
    clients = [plan for plan in plans if plan.home_store is not None and not plan.hero]
    if not clients:
        return
    tasks = []
    for number in range(max(9, len(plans) // 40)):
        state = (
            TASK_STATES[number]
            if number < 3
            else rng.choices(TASK_STATES, weights=(35, 45, 15, 5))[0]
        )
        plan = rng.choice(clients)
        reason = rng.choice(list(TASK_TITLES))
        assignee = rng.choice(world.team(plan.home_store))
        tasks.append(task(world, rng, plan, assignee, reason, state))
    world.insert(tasks)


def build_week_ahead_tasks(world: DemoWorld, plans: list[CustomerPlan]) -> None:
    """Every associate has a task due today, one tomorrow and one later in the week."""
    rng = world.rng("week-ahead-tasks")
    today = local_day(world.now)
    tasks = []
    for associate in world.associates.values():
        clients = [plan for plan in plans if not plan.hero and plan.home_store == associate.store]
        for in_days in (0, 1, rng.randint(2, 6)) if clients else ():
            reason = rng.choice(list(TASK_TITLES))
            plan = rng.choice(clients)
            due_on = today + timedelta(days=in_days)
            tasks.append(task(world, rng, plan, associate, reason, "open", due_on=due_on))
    world.insert(tasks)


def task(
    world: DemoWorld,
    rng: random.Random,
    plan: CustomerPlan,
    assignee: Associate,
    reason: str,
    state: str,
    *,
    title: str = "",
    due_on: date | None = None,
) -> Task:
    today = local_day(world.now)
    if due_on is None:
        due_on = today + timedelta(
            days=rng.randint(0, 10) if state == "open" else -rng.randint(1, 60)
        )
    created_at = min(at(due_on - timedelta(days=rng.randint(2, 14)), time(9, 30)), world.now)
    done = state == "done"
    return Task(
        store=assignee.store,
        assignee=assignee,
        customer=plan.customer,
        reason=reason,
        title=title or TASK_TITLES[reason].format(name=plan.customer.full_name),
        due_on=due_on,
        status=TaskStatus.DONE
        if done
        else TaskStatus.CANCELLED
        if state == "cancelled"
        else TaskStatus.OPEN,
        created_by=_manager_of(world, assignee.store) or assignee.user,
        completed_at=min(at(due_on, time(16, 0)), world.now) if done else None,
        created_at=max(created_at, plan.since),
    )


def build_put_back_tasks(world: DemoWorld, pickups: list[Pickup]) -> None:
    """The expiry job asks the store to put uncollected goods back on the shelf."""
    today = local_day(world.now)
    tasks = []
    for pickup in pickups:
        if pickup.status != PickupStatus.EXPIRED:
            continue
        due_on = pickup.pickup_by + timedelta(days=1)
        done = due_on < today - timedelta(days=1)
        reference = pickup.order.external_reference
        tasks.append(
            Task(
                store=pickup.store,
                customer=pickup.order.customer,
                reason=Task.Reason.PUT_BACK,
                title=f"Remettre en rayon la commande {reference} (retrait {pickup.code})",
                due_on=due_on,
                status=TaskStatus.DONE if done else TaskStatus.OPEN,
                completed_at=at(due_on, time(11, 0)) if done else None,
                created_at=at(due_on, time(7, 0)),
            )
        )
    world.insert(tasks)


def _manager_of(world: DemoWorld, store: Store) -> User | None:
    for associate in world.team(store):
        if associate.is_store_manager:
            return associate.user
    return None


def build_notes(world: DemoWorld, plans: list[CustomerPlan]) -> None:
    rng = world.rng("notes")
    notes = [
        note(world, rng, plan, rng.choice(world.team(plan.home_store)), _note_body(rng, plan))
        for plan in plans
        if plan.home_store is not None and not plan.hero and rng.random() < 0.15
        for _number in range(rng.randint(1, 3))
    ]
    world.insert(notes)


def _note_body(rng: random.Random, plan: CustomerPlan) -> str:
    themed = catalogue.BEAUTY_NOTES if plan.persona == "beauty" else catalogue.FASHION_NOTES
    return rng.choice(themed + catalogue.GENERAL_NOTES)


def note(
    world: DemoWorld,
    rng: random.Random,
    plan: CustomerPlan,
    author: Associate,
    body: str,
    *,
    written_at: datetime | None = None,
) -> Note:
    return Note(
        customer=plan.customer,
        author=author.user,
        store=author.store,
        body=body,
        created_at=written_at or random_moment(rng, plan.since, plan.active_until),
    )
