"""Prometheus metrics (issue 12): what Omni counts while it works, and what it reads when scraped.

Two kinds of families:

- **Counted as things happen**, in the process where they happen: HTTP requests, their latency
  and database queries (`omni.metrics.http`), Celery tasks (`omni.metrics.celery_tasks`),
  webhook deliveries received and processed (`journeys.metrics`). They live in
  prometheus_client's default registry; with `PROMETHEUS_MULTIPROC_DIR` set, every process
  (gunicorn workers, Celery's pool processes on the same host) writes them to files there and
  a scrape adds them up.
- **Read at scrape time** from the database and the broker: the webhook inbox and its lag,
  outbound deliveries, each shop's last pull, beat jobs, queue lengths. Each is a collector
  registered here with `scrape_collector_register`; `/metrics` runs them once per scrape, a
  constant number of cheap indexed queries whatever the size of the tables. They are never in
  the default registry, so a Celery worker's own metrics server does not query the database.

Apps register their collectors in a `metrics.py` module of their own, found by
`metrics_modules_discover` (called once the apps are ready, see omni/apps.py), as the admin
finds `admin.py`: omni, the lowest app, imports no higher app.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from django.utils.module_loading import autodiscover_modules
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)
# No `_created` series beside each counter and histogram: twice the series for nothing an
# alert or a dashboard reads.
disable_created_metrics()


_scrape_collectors: dict[str, Collector] = {}


def scrape_collector_register(name: str, collector: Collector) -> None:
    """Run `collector` at every scrape of /metrics (once per name: a second import replaces)."""
    _scrape_collectors[name] = collector


def metrics_modules_discover() -> None:
    """Register omni's own scrape collectors, then import each installed app's `metrics`
    module: its counters, its Celery receivers and its scrape collectors."""
    from omni.metrics.collectors import BeatJobsCollector, CeleryQueueCollector

    scrape_collector_register("beat_jobs", BeatJobsCollector())
    scrape_collector_register("celery_queues", CeleryQueueCollector())
    autodiscover_modules("metrics")


def multiprocess_directory() -> str | None:
    """Where processes write their counters when several serve the same host (or None)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def process_registry() -> CollectorRegistry:
    """The metrics counted as things happen: this process's, or every process's on the host."""
    if multiprocess_directory() is None:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


class _Scrape(Collector):
    """What one scrape of /metrics reports: the counted families, then each scrape collector."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()
        health = GaugeMetricFamily(
            "omni_metrics_collector_up",
            "1 if the collector's figures were read at this scrape, 0 if it failed (the "
            "database or the broker unreachable): its families are missing then.",
            labels=["collector"],
        )
        for name, collector in sorted(_scrape_collectors.items()):
            try:
                # Read whole before anything is yielded: a failure half-way reports nothing.
                families = list(collector.collect())
            except Exception as error:
                logger.warning("Metrics collector %s failed: %s", name, type(error).__name__)
                health.add_metric([name], 0)
                continue
            health.add_metric([name], 1)
            yield from families
        yield health


def exposition() -> bytes:
    """The text a Prometheus scrape gets."""
    return generate_latest(_Scrape(process_registry()))
