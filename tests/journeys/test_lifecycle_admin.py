"""The lifecycle admin: thresholds as a singleton that recomputes on save, read-only history and
metrics, the "recompute now" action, and associates kept out."""

import datetime
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from clienteling.models import Associate
from customers.factories import CustomerFactory
from customers.models import Customer, LifecycleStage
from journeys.factories import OrderFactory
from journeys.lifecycle.services import customers_lifecycle_refresh
from journeys.models import (
    CustomerMetrics,
    LifecycleSettings,
    LifecycleStageChange,
    LifecycleTrigger,
)
from tests.admin_helpers import admin_url

pytestmark = pytest.mark.django_db
Capture = Callable[..., object]


@pytest.fixture
def marketer_client(client: Client, marketer: User) -> Client:
    client.force_login(marketer)
    return client


def _three_purchases() -> Customer:
    customer = CustomerFactory()
    for days in (5, 15, 25):
        OrderFactory(customer=customer, placed_at=_days_ago(days))
    return customer


def _days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _settings_form(**overrides: object) -> dict[str, object]:
    values = {
        "retention_min_orders": 2,
        "loyalty_min_orders": 4,
        "loyalty_window_months": 12,
        "loyalty_tiers": "[]",
        "lapsed_after_months": 12,
    }
    return {**values, **overrides}


def test_the_list_shows_the_single_settings_row(marketer_client: Client) -> None:
    response = marketer_client.get(admin_url(LifecycleSettings, "changelist"))
    assert response.status_code == 200
    assert [row.pk for row in response.context["cl"].result_list] == [1]
    assert admin_url(LifecycleSettings, "add") not in response.text
    page = marketer_client.get(admin_url(LifecycleSettings, "change", 1))
    assert page.status_code == 200
    assert "Recompute every customer" in page.text
    assert LifecycleSettings.objects.count() == 1


def test_settings_are_never_added_nor_deleted(marketer_client: Client) -> None:
    marketer_client.get(admin_url(LifecycleSettings, "changelist"))
    assert marketer_client.get(admin_url(LifecycleSettings, "add")).status_code == 403
    delete = admin_url(LifecycleSettings, "delete", 1)
    assert marketer_client.post(delete, {"post": "yes"}).status_code == 403
    assert LifecycleSettings.objects.count() == 1


def test_saving_new_thresholds_recomputes_every_stage(
    marketer_client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    customer = _three_purchases()
    customers_lifecycle_refresh(customer_ids=[customer.pk], trigger=LifecycleTrigger.EVENT)
    assert Customer.objects.get(pk=customer.pk).lifecycle_stage == LifecycleStage.RETENTION
    url = admin_url(LifecycleSettings, "change", 1)
    marketer_client.get(url)

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = marketer_client.post(url, _settings_form(loyalty_min_orders=3))

    assert response.status_code == 302
    assert LifecycleSettings.objects.get().loyalty_min_orders == 3
    assert Customer.objects.get(pk=customer.pk).lifecycle_stage == LifecycleStage.LOYALTY
    change = LifecycleStageChange.objects.filter(customer=customer).latest("changed_at")
    assert (change.trigger, change.reason) == (
        LifecycleTrigger.SETTINGS,
        "3 purchases in the last 12 months",
    )


def test_invalid_thresholds_are_refused_and_nothing_is_recomputed(
    marketer_client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    url = admin_url(LifecycleSettings, "change", 1)
    marketer_client.get(url)
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        response = marketer_client.post(url, _settings_form(retention_min_orders=1))
    assert response.status_code == 200  # the form again, with its error
    assert callbacks == []
    assert LifecycleSettings.objects.get().retention_min_orders == 2


def test_recompute_now_from_the_settings_page(
    marketer_client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    customer = _three_purchases()
    url = admin_url(LifecycleSettings, "change", 1)
    marketer_client.get(url)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = marketer_client.post(
            url, {"CHANGE_FORM-action": "recompute_now", "_selected_action": 1}, follow=True
        )
    assert response.status_code == 200
    assert "being recomputed" in " ".join(str(m) for m in response.context["messages"])
    change = LifecycleStageChange.objects.get(customer=customer)
    assert (change.to_stage, change.trigger) == (LifecycleStage.RETENTION, LifecycleTrigger.MANUAL)


def test_history_and_metrics_are_read_only_lists_with_bounded_queries(
    marketer_client: Client, django_assert_max_num_queries: Capture
) -> None:
    customers = [_three_purchases() for _number in range(12)]
    customers_lifecycle_refresh(
        customer_ids=[customer.pk for customer in customers], trigger=LifecycleTrigger.NIGHTLY
    )
    for model in (LifecycleStageChange, CustomerMetrics):
        with django_assert_max_num_queries(12):  # type: ignore[operator]
            response = marketer_client.get(admin_url(model, "changelist"))
        assert response.status_code == 200
        assert customers[0].last_name in response.text
        assert marketer_client.get(admin_url(model, "add")).status_code == 403
    change = LifecycleStageChange.objects.first()
    page = marketer_client.get(admin_url(LifecycleStageChange, "change", change.pk))
    assert page.status_code == 200
    assert 'name="reason"' not in page.text  # shown, not editable
    filtered = marketer_client.get(
        admin_url(LifecycleStageChange, "changelist"),
        {"to_stage": "retention", "trigger": "nightly", "q": customers[0].email},
    )
    assert filtered.status_code == 200
    assert len(filtered.context["cl"].result_list) == 1


def test_associates_never_reach_the_lifecycle_admin(client: Client, associate: Associate) -> None:
    client.force_login(associate.user)
    response = client.get(admin_url(LifecycleSettings, "change", 1))
    assert response.status_code == 302
    assert "/login/" in response.url
    assert not LifecycleSettings.objects.exists()
