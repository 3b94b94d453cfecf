"""Reads on lifecycle stages: the thresholds in force and a customer's stage history."""

from typing import Any

from django.db.models import QuerySet

from customers.models import Customer
from journeys.models import LifecycleSettings, LifecycleStageChange

SETTINGS_PK = 1


def lifecycle_settings_get() -> LifecycleSettings:
    """The single settings row, created with the defaults on first use."""
    settings, _created = LifecycleSettings.objects.get_or_create(pk=SETTINGS_PK)
    return settings


def customer_stage_changes(customer: Customer) -> QuerySet[LifecycleStageChange]:
    return LifecycleStageChange.objects.filter(customer=customer).order_by("-changed_at", "-pk")


def stage_since_queryset(customer: Any, stage: Any) -> QuerySet[LifecycleStageChange]:
    """Her changes into `stage`, latest first: the first is the one that put her there.
    `customer` and `stage` may be values or `OuterRef`s (to annotate a list of customers)."""
    return LifecycleStageChange.objects.filter(customer=customer, to_stage=stage).order_by(
        "-changed_at", "-pk"
    )


def customer_stage_since(customer: Customer) -> LifecycleStageChange | None:
    """The change that put her in her current stage (None when she never changed stage)."""
    return stage_since_queryset(customer, customer.lifecycle_stage).first()
