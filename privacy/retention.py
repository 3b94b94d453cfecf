"""Retention: personal data is not kept longer than its period (settings.OMNI_RETENTION).

Built on the registry of personal data (omni.privacy_registry), like export and erasure:
- stores with a retention of their own (raw webhook bodies, outbound payloads, the access
  journal, Idempotency-Key answers) lose their old rows, or the personal fields of them;
- a customer or prospect whose last contact is older than the customer period is erased, set
  based, a batch at a time. Her last contact is the latest date the registry marks as one
  (`contact`: her profile's creation, an order placed, a return, a visit, a message, a consent
  recorded, a wishlist item, an appointment); each is an indexed (customer, date) lookup.

Every step works in batches (short transactions, constant memory), so that the daily run and
a first run over 1,000,000 customers both finish without holding locks for long.
"""

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from customers.models import Customer
from omni.privacy_registry import Declaration, registry
from privacy.erasure import customers_erase_expired

BATCH = 1_000


@dataclass
class RetentionStep:
    label: str
    action: str  # "erase", "purge" or "delete"
    cutoff: datetime.datetime
    rows: int = 0
    seconds: float = 0.0


@dataclass
class RetentionReport:
    dry_run: bool
    steps: list[RetentionStep] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(step.rows for step in self.steps)


def period(name: str) -> datetime.timedelta:
    value = settings.OMNI_RETENTION[name]
    if name.endswith("_hours"):
        return datetime.timedelta(hours=value)
    return datetime.timedelta(days=value)


def retention_run(
    *,
    dry_run: bool = False,
    batch: int = BATCH,
    now: datetime.datetime | None = None,
    progress: Callable[[RetentionStep], None] | None = None,
) -> RetentionReport:
    """Purge what is past its period; with `dry_run`, count it and change nothing."""
    now = now or timezone.now()
    report = RetentionReport(dry_run=dry_run)
    for declaration in registry.all():
        if declaration.retention is not None:
            report.steps.append(_store_step(declaration, now, dry_run, batch, progress))
    report.steps.append(_customers_step(now, dry_run, batch, progress))
    return report


def _store_step(
    declaration: Declaration,
    now: datetime.datetime,
    dry_run: bool,
    batch: int,
    progress: Callable[[RetentionStep], None] | None,
) -> RetentionStep:
    retention = declaration.retention
    assert retention is not None
    cutoff = now - period(retention.period)
    model = declaration.model
    rows = model._default_manager.filter(**{f"{retention.since}__lt": cutoff})
    if retention.purge:
        blank = {name: _empty(model._meta.get_field(name)) for name in retention.purge}
        still_there = Q()
        for name, value in blank.items():
            still_there |= ~Q(**{name: value})
        rows = rows.filter(still_there)
    step = RetentionStep(declaration.label, "purge" if retention.purge else "delete", cutoff)
    started = time.perf_counter()
    if dry_run:
        step.rows = rows.count()
    else:
        while pks := list(rows.order_by().values_list("pk", flat=True)[:batch]):
            with transaction.atomic():
                chosen = model._default_manager.filter(pk__in=pks)
                if retention.purge:
                    step.rows += chosen.update(**blank)
                else:
                    chosen.delete()
                    step.rows += len(pks)
            if progress:
                progress(step)
    step.seconds = time.perf_counter() - started
    return step


def _empty(model_field: models.Field) -> object:
    if isinstance(model_field, models.BinaryField):
        return b""
    return model_field.get_default()


def expired_customers(cutoff: datetime.datetime) -> models.QuerySet:
    """Profiles in use with no contact since `cutoff`."""
    rows = Customer.objects.filter(erased_at=None, merged_into=None)
    for declaration in registry.all():
        if not declaration.contact:
            continue
        if declaration.model is Customer:
            rows = rows.filter(**{f"{declaration.contact}__lt": cutoff})
            continue
        manager = declaration.model._default_manager
        for path in declaration.subject:
            recent = manager.filter(**{path: OuterRef("pk"), f"{declaration.contact}__gte": cutoff})
            rows = rows.filter(~Exists(recent))
    return rows


def _customers_step(
    now: datetime.datetime,
    dry_run: bool,
    batch: int,
    progress: Callable[[RetentionStep], None] | None,
) -> RetentionStep:
    cutoff = now - period("customer_days")
    step = RetentionStep("customers.Customer", "erase", cutoff)
    started = time.perf_counter()
    expired = expired_customers(cutoff)
    if dry_run:
        step.rows = expired.count()
    else:
        # One pass finds them all (one anti-join per contact, over the whole table); each
        # batch is checked again when it is erased.
        ids = list(expired.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch):
            chosen = expired.filter(pk__in=ids[start : start + batch])
            step.rows += customers_erase_expired(chosen)
            if progress:
                progress(step)
    step.seconds = time.perf_counter() - started
    return step
