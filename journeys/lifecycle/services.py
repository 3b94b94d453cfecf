"""Writes of the lifecycle: refresh stages and metrics, recompute everyone, queue refreshes."""

import datetime
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from customers.models import Customer
from journeys.lifecycle import metrics
from journeys.lifecycle.rules import StageDecision, loyalty_window_start, stage_decide
from journeys.lifecycle.selectors import SETTINGS_PK, lifecycle_settings_get
from journeys.models import (
    CustomerMetrics,
    LifecycleSettings,
    LifecycleStageChange,
    LifecycleTrigger,
)
from omni.background import queue_task, queue_task_after_commit
from omni.processes import forked_processes
from omni.staging import Stage, model_columns, rows_insert, stage_load
from omni.transactions import kept_tables_deferred, without_jit

DEFAULT_BATCH_SIZE = 5000
METRIC_FIELDS = [
    "order_count",
    "total_spent",
    "total_refunded",
    "return_count",
    "first_order_at",
    "last_order_at",
    "first_order_channel",
    "channels",
    "channel_count",
    "first_purchase_path",
    "touchpoint_count",
    "last_touchpoint_at",
    "orders_by_channel",
    "last_store_visit_at",
    "most_visited_store_id",
    "top_categories",
]


@dataclass
class RefreshResult:
    customers: int = 0
    changes: int = 0
    seconds: float = 0.0

    def add(self, other: "RefreshResult") -> None:
        self.customers += other.customers
        self.changes += other.changes

    @property
    def customers_per_second(self) -> float:
        return self.customers / self.seconds if self.seconds else 0.0


def _write_stage_changes(
    moves: list[tuple[metrics.CustomerRow, StageDecision]], *, trigger: str, now: datetime.datetime
) -> int:
    """Move these customers and record why; returns how many moved.

    Their rows are locked and their stage read again first: a refresh running at the same
    time (the nightly walk and an event, say) records each change once.
    """
    if not moves:
        return 0
    current = dict(
        Customer.objects.select_for_update()
        .filter(pk__in=[row.pk for row, _decision in moves])
        .order_by("pk")
        .values_list("pk", "lifecycle_stage")
    )
    moved = [
        (row.pk, current[row.pk], decision)
        for row, decision in moves
        if row.pk in current and current[row.pk] != decision.stage
    ]
    by_stage: dict[str, list[int]] = defaultdict(list)
    for customer_id, _stage, decision in moved:
        by_stage[decision.stage].append(customer_id)
    for stage, customer_ids in by_stage.items():
        # update(), not save(): only the stage changes, `updated_at` keeps meaning "profile edited".
        Customer.objects.filter(pk__in=customer_ids).update(lifecycle_stage=stage)
    rows_insert(
        LifecycleStageChange,
        ("customer", "from_stage", "to_stage", "changed_at", "reason", "trigger"),
        [
            (customer_id, stage, decision.stage, now, decision.reason[:255], trigger)
            for customer_id, stage, decision in moved
        ],
    )
    return len(moved)


METRICS_STAGE = Stage(
    "omni_metrics_stage",
    model_columns(CustomerMetrics, ("customer", *METRIC_FIELDS, "computed_at")),
    analyze=False,  # only scanned by the upsert
)


def _metrics_upsert(figures: list[tuple]) -> None:
    """Write these figures (customer id, METRIC_FIELDS..., computed at): staged, then one
    upsert (Django's bulk_create spent longer writing its SQL than the database running it)."""
    if not figures:
        return
    stage_load(METRICS_STAGE, figures)
    table = CustomerMetrics._meta.db_table
    columns = METRICS_STAGE.column_list()
    updates = ", ".join(
        f"{name} = excluded.{name}" for name in METRICS_STAGE.column_names if name != "customer_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {METRICS_STAGE.name} "
            f"WHERE true ON CONFLICT (customer_id) DO UPDATE SET {updates}"
        )


def _stored_metrics(customer_ids: Sequence[int]) -> dict[int, tuple]:
    rows = CustomerMetrics.objects.filter(
        metrics.customers_filter("customer_id", customer_ids)
    ).values_list("customer_id", *METRIC_FIELDS)
    return {row[0]: row[1:] for row in rows}


def _refresh_batch(
    customer_ids: Sequence[int],
    *,
    trigger: str,
    now: datetime.datetime,
    thresholds: LifecycleSettings,
) -> RefreshResult:
    with without_jit():  # the batch's reads: compiling took a fifth of their time
        rows = metrics.customer_rows(customer_ids, now=now)
        if not rows:
            return RefreshResult()
        live_ids = [row.pk for row in rows]
        activity = metrics.batch_activity(live_ids, now=now)
        stored = _stored_metrics(live_ids)
        names = metrics.store_names()
    window_start = loyalty_window_start(thresholds, now)
    figures, moves = [], []
    computed_at = timezone.now()  # when they were computed (`now` is what they are as of)
    for row in rows:
        done = activity.get(row.pk) or metrics.Activity()
        bought = metrics.purchases(done)
        values = metrics.metrics_values(done, bought, names)
        # Only figures that changed are written: most nights, most customers did nothing.
        figure = tuple(values[name] for name in METRIC_FIELDS)
        if stored.get(row.pk) != figure:
            figures.append((row.pk, *figure, computed_at))
        decision = stage_decide(
            metrics.customer_facts(row, done, bought, window_start), thresholds, now
        )
        if decision.stage != row.stage:
            moves.append((row, decision))
    if not figures and not moves:
        return RefreshResult(customers=len(rows))
    with kept_tables_deferred():  # the facts of metrics and stage refreshed once
        _metrics_upsert(figures)
        changes = _write_stage_changes(moves, trigger=trigger, now=now)
    return RefreshResult(customers=len(rows), changes=changes)


def customers_lifecycle_refresh(
    *,
    customer_ids: Iterable[int],
    trigger: str,
    now: datetime.datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> RefreshResult:
    """Recompute the metrics and stage of these customers; a stage change is recorded with
    when, why and what triggered it. Merged profiles are skipped. Safe to run twice."""
    if trigger not in LifecycleTrigger.values:
        raise ValueError(f"Unknown lifecycle trigger {trigger!r}")
    now = now or timezone.now()
    thresholds = lifecycle_settings_get()
    ids = sorted(set(customer_ids))
    result = RefreshResult()
    started = time.monotonic()
    # Reasons are stored once, in the site's language, whoever triggered the change.
    with translation.override(settings.LANGUAGE_CODE):
        for start in range(0, len(ids), batch_size):
            batch = ids[start : start + batch_size]
            result.add(_refresh_batch(batch, trigger=trigger, now=now, thresholds=thresholds))
    result.seconds = time.monotonic() - started
    return result


def lifecycle_recompute_all(
    *,
    trigger: str = LifecycleTrigger.NIGHTLY,
    batch_size: int = DEFAULT_BATCH_SIZE,
    now: datetime.datetime | None = None,
    progress: Callable[[RefreshResult], Any] | None = None,
    jobs: int = 1,
) -> RefreshResult:
    """Every live customer, walked in id order a batch at a time (each batch commits alone);
    with `jobs` > 1, the batches are shared by that many processes forked from this one."""
    now = now or timezone.now()
    total = RefreshResult()
    started = time.monotonic()

    def add(result: RefreshResult) -> None:
        total.add(result)
        total.seconds = time.monotonic() - started
        if progress is not None:
            progress(total)

    if jobs > 1:
        batches = list(_live_customer_batches(batch_size))
        with forked_processes(jobs) as pool:
            futures = [
                pool.submit(_refresh_in_process, batch, trigger, now, batch_size)
                for batch in batches
            ]
            for future in as_completed(futures):
                add(future.result())
    else:
        for batch in _live_customer_batches(batch_size):
            add(
                customers_lifecycle_refresh(
                    customer_ids=batch, trigger=trigger, now=now, batch_size=batch_size
                )
            )
    total.seconds = time.monotonic() - started
    return total


def _live_customer_batches(batch_size: int) -> Iterator[list[int]]:
    last_id = 0
    while True:
        batch = list(
            Customer.objects.filter(pk__gt=last_id, merged_into__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            return
        yield batch
        last_id = batch[-1]


def _refresh_in_process(
    customer_ids: list[int], trigger: str, now: datetime.datetime, batch_size: int
) -> RefreshResult:
    return customers_lifecycle_refresh(
        customer_ids=customer_ids, trigger=trigger, now=now, batch_size=batch_size
    )


# Queuing -----------------------------------------------------------------------------------

RECOMPUTE_ALL_TASK = "journeys.tasks.lifecycle_recompute_all_task"


def _send_refresh(pending: set[int]) -> None:
    if not pending:
        return
    customer_ids = sorted(pending)
    pending.clear()
    queue_task("journeys.tasks.customer_lifecycle_refresh_task", customer_ids)


def lifecycle_refresh_queue(*, customer_ids: Iterable[int | None]) -> None:
    """Refresh these customers' stage once the current transaction commits.

    Ids are gathered per transaction, so that a batch of 1,000 orders queues one task with
    every customer once, not 1,000 tasks. Every call registers a callback (a savepoint rolled
    back drops its own), and the first to run sends everything gathered so far.
    """
    ids = {customer_id for customer_id in customer_ids if customer_id is not None}
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _send_refresh(ids)
        return
    outermost = connection.atomic_blocks[0]
    state = getattr(connection, "omni_lifecycle_pending", None)
    if state is None or state[0] is not outermost:
        state = (outermost, set())
        connection.omni_lifecycle_pending = state
    pending: set[int] = state[1]
    pending.update(ids)
    transaction.on_commit(lambda: _send_refresh(pending))


def lifecycle_settings_save(
    *, thresholds: LifecycleSettings, actor: Any = None
) -> LifecycleSettings:
    """Save head office's thresholds and recompute every customer's stage after the commit."""
    with transaction.atomic():
        thresholds.pk = SETTINGS_PK
        thresholds.full_clean()
        thresholds.save()
        queue_task_after_commit(RECOMPUTE_ALL_TASK, trigger=LifecycleTrigger.SETTINGS)
    return thresholds


def lifecycle_recompute_request(*, actor: Any = None) -> None:
    """Head office asks for a full recompute now (runs in the background after the commit)."""
    queue_task_after_commit(RECOMPUTE_ALL_TASK, trigger=LifecycleTrigger.MANUAL)
