"""What seed_demo prints: row counts, the demo logins and the hero customers to search."""

from django.contrib.auth.models import User
from django.db.models import Count
from django.utils import timezone

from clienteling.demo import catalogue
from clienteling.demo.reset import DELETION_ORDER
from clienteling.demo.staff import demo_usernames
from clienteling.models import Appointment, Associate, FiringOutcome, TriggerFiring
from customers.models import Customer
from journeys.models import Order, Pickup
from omni.models import Store


def row_counts() -> list[tuple[str, int]]:
    """Rows per demo model, in the order they are created."""
    return [
        (str(model._meta.verbose_name_plural), model.objects.count())
        for model in reversed(DELETION_ORDER)
        if not model._meta.auto_created
    ]


def key_figures() -> str:
    """The demo in one line: '6 stores, 23 associates, 300 customers, 1,516 orders, …'."""
    figures = (
        (Store, "stores"),
        (Associate, "associates"),
        (Customer, "customers"),
        (Order, "orders"),
        (Pickup, "click & collect pickups"),
        (Appointment, "appointments"),
    )
    return ", ".join(f"{model.objects.count():,} {label}" for model, label in figures)


# How the seed's summary says each outcome of a trigger's firing.
_OUTCOME_PHRASES = {
    FiringOutcome.TASK_CREATED: "{count} tasks created for associates",
    FiringOutcome.EVENT_SENT: "{count} events sent to webhooks",
    FiringOutcome.TASK_AND_EVENT: "{count} tasks created and events sent",
    FiringOutcome.SKIPPED_CAP: "{count} customers skipped (contact cap reached)",
    FiringOutcome.SKIPPED_NO_CONSENT: "{count} customers skipped (no consent)",
    FiringOutcome.SKIPPED_NO_ASSIGNEE: "{count} customers skipped (no store to follow up)",
    FiringOutcome.SKIPPED_NO_RECEIVER: "{count} skipped (no webhook takes the event)",
    FiringOutcome.SKIPPED_CUSTOMER_GONE: "{count} skipped (customer erased or merged)",
}


def trigger_outcomes() -> str:
    """What head office's triggers did on their first run, in words: '6 tasks created for
    associates, 12 customers skipped (no consent)'."""
    counts = TriggerFiring.objects.values_list("outcome").annotate(count=Count("pk"))
    phrases = [
        _OUTCOME_PHRASES.get(outcome, f"{{count}} × {outcome}").format(count=count)
        for outcome, count in sorted(counts, key=lambda row: list(FiringOutcome).index(row[0]))
    ]
    return ", ".join(phrases)


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, store) of the demo accounts that exist, in the catalogue's order."""
    users = {
        user.username: user
        for user in User.objects.filter(username__in=demo_usernames())
        .select_related("associate__store")
        .prefetch_related("associate__specialties")
    }
    return [_login(users[username]) for username in demo_usernames() if username in users]


def _login(user: User) -> tuple[str, str, str]:
    if user.is_superuser:
        return user.username, "superuser (admin site)", "—"
    associate: Associate | None = getattr(user, "associate", None)
    if associate is None and user.username == catalogue.DPO_USERNAME:
        return user.username, "data protection officer (admin site)", "—"
    if associate is None and user.username == catalogue.OPERATIONS_USERNAME:
        return user.username, "operations (System status)", "—"
    if associate is None:
        return user.username, "head-office marketer (admin site)" if user.is_staff else "user", "—"
    role = "store manager" if associate.is_store_manager else "associate"
    specialties = ", ".join(specialty.name for specialty in associate.specialties.all())
    return user.username, f"{role} ({specialties})" if specialties else role, associate.store.name


def hero_descriptions() -> list[str]:
    """One line per hero customer that exists: email, name, orders, what to look at."""
    customers = {
        customer.email: customer
        for customer in Customer.objects.filter(
            email__in=[hero.email for hero in catalogue.HEROES]
        ).annotate(order_count=Count("orders"))
    }
    lines = []
    for hero in catalogue.HEROES:
        customer = customers.get(hero.email)
        if customer is not None:
            details = f"{customer.order_count} orders; {hero.story}{_hero_extra(hero, customer)}"
            lines.append(f"{hero.email:<27} {customer.full_name:<16} {details}")
    return lines


def _hero_extra(hero: catalogue.HeroSpec, customer: Customer) -> str:
    if hero.key == catalogue.CLAIRE:
        code = (
            Pickup.objects.filter(order__customer=customer, status=Pickup.Status.READY)
            .values_list("code", flat=True)
            .first()
        )
        return f" (pickup code {code})" if code else ""
    if hero.key == catalogue.SOPHIE:
        upcoming = (
            Appointment.objects.filter(customer=customer, starts_at__gte=timezone.now())
            .select_related("store")
            .order_by("starts_at")
            .first()
        )
        if upcoming is not None:
            local = upcoming.starts_at.astimezone(upcoming.store.zone)
            return f" (next: {local:%A %d %B %H:%M})"
    return ""
