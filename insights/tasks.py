"""Keep the dashboards' aggregate tables current: hourly for recent days, nightly in full."""

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from insights.aggregates import aggregates_rebuild

logger = logging.getLogger(__name__)

# Orders, returns and pickups arrive late (offline tills, e-shop retries): refresh a few days.
REFRESH_DAYS = 3


@shared_task(name="insights.tasks.insights_refresh_task")
def insights_refresh_task(days: int = REFRESH_DAYS) -> dict[str, int]:
    """Rebuild the daily tables for the last `days` local days (the monthly ones nightly)."""
    today = timezone.localdate()
    counts = aggregates_rebuild(
        day_from=today - datetime.timedelta(days=days - 1), day_to=today, monthly=False
    )
    logger.info("Insights refreshed for the last %s days: %s", days, counts)
    return counts


@shared_task(name="insights.tasks.insights_rebuild_task")
def insights_rebuild_task() -> dict[str, int]:
    """Rebuild every table over the whole history, monthly and cohort tables included."""
    counts = aggregates_rebuild()
    logger.info("Insights rebuilt: %s", counts)
    return counts
