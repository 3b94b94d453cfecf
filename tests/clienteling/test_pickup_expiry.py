import datetime

import pytest
from django.utils import timezone

from clienteling.models import Task
from clienteling.tasks import pickups_expire_overdue_task
from journeys.factories import PickupFactory
from journeys.models import Pickup

pytestmark = pytest.mark.django_db


def test_overdue_ready_pickups_expire_with_a_put_back_task_and_a_rerun_changes_nothing() -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    overdue = PickupFactory(status=Pickup.Status.READY, pickup_by=yesterday)
    still_in_time = PickupFactory(status=Pickup.Status.READY)
    not_ready = PickupFactory(status=Pickup.Status.PREPARING, pickup_by=yesterday)

    assert pickups_expire_overdue_task.delay().get() == 1
    assert pickups_expire_overdue_task.delay().get() == 0

    statuses = dict(Pickup.objects.values_list("pk", "status"))
    assert statuses == {
        overdue.pk: "expired",
        still_in_time.pk: "ready",
        not_ready.pk: "preparing",
    }
    task = Task.objects.get()
    assert task.reason == Task.Reason.PUT_BACK
    assert task.store == overdue.store
    assert task.customer == overdue.order.customer
    assert overdue.code in task.title
