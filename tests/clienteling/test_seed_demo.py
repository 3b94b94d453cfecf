"""seed_demo: a consistent French demo retailer, the same for the same seed, never seeded twice."""

import itertools
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import time, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone

from clienteling.demo import catalogue
from clienteling.demo.reset import DELETION_ORDER, delete_demo_data
from clienteling.models import Appointment, Associate
from customers.models import Consent, Customer
from customers.normalization import normalize_email, normalize_phone
from journeys.models import (
    AfterSalesTicket,
    Order,
    OrderStatusChange,
    Pickup,
    Return,
    WishlistItem,
)
from omni.models import WEEKDAYS, Store, validate_opening_hours
from omni.roles import DPO_GROUP, HEAD_OFFICE_GROUP, OPERATIONS_GROUP

CUSTOMERS = 30
# Families the demo leaves empty on purpose: merges, duplicates and exports are made by people;
# 30 customers are too few for a trigger to fire (300 give a few firings).
NOT_SEEDED = {
    "customermerge",
    "duplicatesuggestion",
    "orderstatuschange",
    "segmentexport",
    "triggerfiring",
}

pytestmark = pytest.mark.django_db


def run_seed_demo(**options: object) -> str:
    output = StringIO()
    call_command(
        "seed_demo",
        customers=CUSTOMERS,
        allow_without_debug=True,
        stdout=output,
        **options,
    )
    return output.getvalue()


@pytest.fixture(scope="module")
def seed_output(django_db_setup: None, django_db_blocker: object) -> Iterator[str]:
    """One seeding shared by the checks that only read: seconds instead of one per test."""
    with django_db_blocker.unblock():
        output = run_seed_demo()
        try:
            yield output
        finally:
            delete_demo_data()


def row_counts() -> dict[str, int]:
    return {model._meta.label_lower: model.objects.count() for model in DELETION_ORDER}


def test_every_family_of_rows_is_seeded(seed_output: str) -> None:
    empty = [
        label
        for label, count in row_counts().items()
        if count == 0 and label.split(".")[-1] not in NOT_SEEDED
    ]
    assert empty == []
    assert Customer.objects.count() == CUSTOMERS
    assert Store.objects.filter(timezone="Europe/Paris").count() == len(catalogue.STORES)


def test_the_output_gives_logins_password_heroes_counts_and_time(seed_output: str) -> None:
    assert catalogue.DEMO_PASSWORD in seed_output
    for username in ("admin", "marketing", "manager.paris", "camille.paris", "ines.institut"):
        assert username in seed_output
    for hero in catalogue.HEROES:
        assert hero.email in seed_output
    assert f"{CUSTOMERS} customers" in seed_output
    assert re.search(r"seeded in \d+\.\d s ", seed_output)  # elapsed time


def test_stores_services_and_catalogue_are_realistic(seed_output: str) -> None:
    institute = Store.objects.get(code=catalogue.INSTITUTE)
    assert institute.kind == Store.Kind.INSTITUTE
    assert set(institute.services.values_list("code", flat=True)) >= {
        "brow-styling",
        "make-up-lesson",
        "facial",
    }
    flagship = Store.objects.get(code=catalogue.FLAGSHIP)
    assert set(flagship.services.values_list("code", flat=True)) == {
        "personal-shopping",
        "fitting-alterations",
    }
    for store in Store.objects.all():
        validate_opening_hours(store.opening_hours)
        assert store.stock_levels.exists()
        assert store.services.filter(required_specialty__isnull=False).exists()
    assert Store.objects.values("city").distinct().count() >= 5


def test_every_store_has_a_manager_and_two_to_four_associates(seed_output: str) -> None:
    for store in Store.objects.all():
        roles = list(store.associates.values_list("role", flat=True))
        assert roles.count(Associate.Role.STORE_MANAGER) == 1
        assert 2 <= roles.count(Associate.Role.ASSOCIATE) <= 4
    estheticians = Associate.objects.filter(specialties__code=catalogue.ESTHETICIAN)
    assert set(estheticians.values_list("store__code", flat=True)) == {catalogue.INSTITUTE}


@pytest.mark.parametrize(
    "username", ["admin", "marketing", "manager.paris", "camille.paris", "ines.institut"]
)
def test_demo_accounts_log_in_with_the_demo_password(seed_output: str, username: str) -> None:
    client = Client()
    # django-axes wants the request that carries the login attempt.
    assert client.login(request=HttpRequest(), username=username, password=catalogue.DEMO_PASSWORD)


def test_head_office_accounts_reach_the_admin(seed_output: str) -> None:
    marketing = User.objects.get(username=catalogue.MARKETER_USERNAME)
    assert marketing.is_staff
    assert not marketing.is_superuser
    assert marketing.groups.filter(name=HEAD_OFFICE_GROUP).exists()
    assert User.objects.get(username=catalogue.SUPERUSER_USERNAME).is_superuser
    client = Client()
    client.force_login(marketing)
    assert client.get("/admin/").status_code == 200


def test_the_data_protection_officer_reaches_the_admin(seed_output: str) -> None:
    dpo = User.objects.get(username=catalogue.DPO_USERNAME)
    assert dpo.is_staff
    assert not dpo.is_superuser
    assert list(dpo.groups.values_list("name", flat=True)) == [DPO_GROUP]
    assert dpo.has_perm("privacy.erase_customer")
    assert "data protection officer" in seed_output
    client = Client()
    client.force_login(dpo)
    assert client.get("/admin/customers/customer/").status_code == 200


def test_the_operations_account_reaches_the_system_status(seed_output: str) -> None:
    ops = User.objects.get(username=catalogue.OPERATIONS_USERNAME)
    assert ops.is_staff
    assert not ops.is_superuser
    assert list(ops.groups.values_list("name", flat=True)) == [OPERATIONS_GROUP]
    assert "operations (System status)" in seed_output
    client = Client()
    client.force_login(ops)
    assert client.get("/admin/system-status/").status_code == 200
    assert client.get("/admin/customers/customer/").status_code == 403  # no customer data


def test_contacts_are_normalised_and_unique(seed_output: str) -> None:
    customers = list(Customer.objects.all())
    emails = [customer.email for customer in customers if customer.email]
    phones = [customer.phone for customer in customers if customer.phone]
    assert all(normalize_email(email) == email for email in emails)
    assert all(normalize_phone(phone) == phone for phone in phones)
    assert len(set(emails)) == len(emails)
    assert any(customer.loyalty_number for customer in customers)
    assert any(customer.birth_date for customer in customers)
    oldest = min(customer.created_at for customer in customers)
    assert oldest < timezone.now() - timedelta(days=365)


def test_order_amounts_add_up(seed_output: str) -> None:
    orders = Order.objects.prefetch_related("lines")
    for order in orders:
        lines = list(order.lines.all())
        assert lines, order
        for line in lines:
            assert line.total == line.unit_price * line.quantity - line.discount
        assert order.subtotal == sum((line.total for line in lines), Decimal(0))
        assert order.total == order.subtotal + order.shipping_total - order.discount_total
    assert orders.filter(channel="store").exists()
    assert orders.filter(channel="web").exists()


def test_a_web_order_came_back_in_a_store_with_a_consistent_refund(seed_output: str) -> None:
    in_store = Return.objects.filter(order__channel="web", channel="store", store__isnull=False)
    assert in_store.exists()
    for parent in Return.objects.prefetch_related("lines"):
        assert parent.refund_amount == sum(
            (line.refund_amount for line in parent.lines.all()), Decimal(0)
        )


def test_pickups_exist_in_every_status_with_their_history(seed_output: str) -> None:
    assert set(Pickup.objects.values_list("status", flat=True)) == set(Pickup.Status.values)
    for pickup in Pickup.objects.filter(status=Pickup.Status.COLLECTED):
        assert pickup.collected_at is not None
        assert pickup.collected_by is not None
    moved = Pickup.objects.exclude(status=Pickup.Status.PLACED)
    assert not moved.filter(status_changes__isnull=True).exists()
    assert all(pickup.order.fulfilment == "click_and_collect" for pickup in Pickup.objects.all())


def test_tickets_exist_in_every_status_with_history_and_messages(seed_output: str) -> None:
    statuses = set(AfterSalesTicket.objects.values_list("status", flat=True))
    assert statuses == set(AfterSalesTicket.Status.values)
    moved = AfterSalesTicket.objects.exclude(status=AfterSalesTicket.Status.OPEN)
    assert not moved.filter(status_changes__isnull=True).exists()
    assert not AfterSalesTicket.objects.filter(messages__isnull=True).exists()


def test_appointments_past_and_upcoming_within_opening_hours(seed_output: str) -> None:
    now = timezone.now()
    past = set(Appointment.objects.filter(ends_at__lt=now).values_list("status", flat=True))
    upcoming = set(Appointment.objects.filter(starts_at__gt=now).values_list("status", flat=True))
    assert past == {"completed", "no_show", "cancelled"}
    assert upcoming == {"booked", "confirmed"}
    for appointment in Appointment.objects.select_related("store", "associate", "service"):
        _assert_within_opening_hours(appointment)
        required = appointment.service.required_specialty
        assert appointment.associate.specialties.filter(pk=required.pk).exists()
        if appointment.starts_at > now:
            assert appointment.starts_at < now + timedelta(days=15)


def _assert_within_opening_hours(appointment: Appointment) -> None:
    zone = appointment.store.zone
    starts, ends = appointment.starts_at.astimezone(zone), appointment.ends_at.astimezone(zone)
    assert starts.date() == ends.date()
    ranges = appointment.store.opening_hours.get(WEEKDAYS[starts.weekday()], [])
    assert any(
        time.fromisoformat(opening) <= starts.time() and ends.time() <= time.fromisoformat(closing)
        for opening, closing in ranges
    ), appointment


def test_no_associate_is_booked_twice_at_once(seed_output: str) -> None:
    busy = defaultdict(list)
    for appointment in Appointment.objects.filter(status__in=Appointment.OCCUPYING_STATUSES):
        busy[appointment.associate_id].append((appointment.starts_at, appointment.ends_at))
    for slots in busy.values():
        slots.sort()
        for (_start, end), (next_start, _end) in itertools.pairwise(slots):
            assert end <= next_start


def test_wishlists_are_fed_from_the_web_and_in_store(seed_output: str) -> None:
    assert WishlistItem.objects.filter(added_via="web", added_by__isnull=True).exists()
    in_store = WishlistItem.objects.filter(added_via="store")
    assert in_store.exists()
    assert not in_store.filter(added_by__isnull=True).exists()


def test_the_consent_ledger_has_grants_and_later_withdrawals(seed_output: str) -> None:
    assert Consent.objects.filter(granted=True, collected_via="store").exists()
    assert Consent.objects.filter(granted=True, collected_via="web").exists()
    withdrawal = Consent.objects.filter(granted=False).exclude(wording_version="").first()
    assert withdrawal is not None
    assert Consent.objects.filter(
        customer=withdrawal.customer,
        purpose=withdrawal.purpose,
        channel=withdrawal.channel,
        granted=True,
        recorded_at__lt=withdrawal.recorded_at,
    ).exists()


def test_every_demo_consent_points_to_the_wording_its_customer_read(seed_output: str) -> None:
    entries = Consent.objects.select_related("wording", "customer")
    assert entries.exists()
    for entry in entries:
        wording = entry.wording
        assert (wording.purpose, wording.version) == (entry.purpose, entry.wording_version)
        assert wording.language == entry.customer.preferred_language
        assert not wording.is_placeholder
        assert wording.text


def test_claire_the_flagship_customer_has_her_story(seed_output: str) -> None:
    claire = Customer.objects.get(email="claire.martin@example.fr")
    assert claire.orders.count() >= 150
    assert {"store", "web"} <= set(claire.orders.values_list("channel", flat=True))
    assert claire.preference.sizes["coats"] == "36"
    items = WishlistItem.objects.filter(wishlist__customer=claire)
    assert {"web", "store"} <= set(items.values_list("added_via", flat=True))
    assert claire.after_sales_tickets.filter(status=AfterSalesTicket.Status.OPEN).exists()
    assert Pickup.objects.filter(order__customer=claire, status=Pickup.Status.READY).exists()
    assert "claire.martin@example.fr" in seed_output


def test_sophie_booked_a_brow_styling_online_with_ines_for_tomorrow(seed_output: str) -> None:
    sophie = Customer.objects.get(email="sophie.bernard@example.fr")
    tomorrow = timezone.localdate() + timedelta(days=1)
    booking = sophie.appointments.get(starts_at__date=tomorrow)
    assert booking.booked_via == "web"
    assert booking.service.code == "brow-styling"
    assert booking.associate.user.username == "ines.institut"
    assert booking.store.code == catalogue.INSTITUTE
    assert sophie.appointments.filter(status="completed").exists()
    assert sophie.orders.filter(lines__product__department="beauty").exists()
    assert sophie.identities.filter(source="booking").exists()


def test_a_rerun_without_reset_changes_nothing(seed_output: str) -> None:
    before = row_counts()
    output = run_seed_demo()
    assert "Demo data already present" in output
    assert "camille.paris" in output
    assert catalogue.DEMO_PASSWORD in output
    assert row_counts() == before
    assert "Demo data already present" in run_seed_demo(if_empty=True)
    assert row_counts() == before


def test_the_same_seed_gives_the_same_customers_and_orders(seed_output: str) -> None:
    run_seed_demo(reset=True, seed=7)
    first = _fingerprint()
    delete_demo_data()
    # A developer's own "admin", made before seeding, is adopted but keeps its password.
    User.objects.create_user("admin", password="my-own-password", is_superuser=True)
    output = run_seed_demo(if_empty=True, seed=7)  # an empty database: --if-empty seeds it
    assert _fingerprint() == first
    assert "existed before: own password kept" in output
    assert User.objects.get(username="admin").check_password("my-own-password")
    assert OrderStatusChange.objects.count() == 0


def _fingerprint() -> tuple[list, list]:
    customers = list(Customer.objects.order_by("email").values_list("email", "phone"))
    orders = list(
        Order.objects.order_by("source", "external_reference").values_list(
            "source", "external_reference", "total", "customer__email"
        )
    )
    return customers, orders


def test_it_refuses_to_run_without_debug(seed_output: str) -> None:
    before = row_counts()
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("seed_demo", reset=True, customers=CUSTOMERS, stdout=StringIO())
    assert row_counts() == before


def test_my_day_and_the_desk_have_something_whatever_the_hour(seed_output: str) -> None:
    """Seeded at any hour, the week ahead is booked, every associate has tasks coming, and
    the flagship's desk has parcels to prepare and one ready."""
    now = timezone.now()
    for store in Store.objects.filter(services__isnull=False).distinct():
        booked = Appointment.objects.filter(
            store=store, starts_at__gt=now, starts_at__lt=now + timedelta(days=8)
        ).exclude(status="cancelled")
        assert booked.count() >= 4, store
        to_follow_up = Appointment.objects.filter(
            store=store, status="completed", starts_at__gte=now - timedelta(days=3)
        )
        assert to_follow_up.exists(), store
    today = timezone.localdate()
    for associate in Associate.objects.all():
        open_tasks = associate.tasks.filter(status="open")
        assert open_tasks.filter(due_on=today).exists(), associate
        assert open_tasks.filter(due_on__gt=today, due_on__lte=today + timedelta(days=7)).exists()
    flagship = Pickup.objects.filter(store__code=catalogue.FLAGSHIP)
    assert flagship.filter(status__in=("placed", "preparing")).exists()
    assert flagship.filter(status="ready").exists()
