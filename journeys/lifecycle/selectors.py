"""Reads on lifecycle stages: the thresholds in force and a customer's stage history."""

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


def customer_stage_since(customer: Customer) -> LifecycleStageChange | None:
    """The change that put her in her current stage (None when she never changed stage)."""
    return customer_stage_changes(customer).filter(to_stage=customer.lifecycle_stage).first()
