"""The daily retention purge, run by beat (settings.CELERY_BEAT_SCHEDULE["data-retention"])."""

import logging

from celery import shared_task

from privacy.retention import retention_run

logger = logging.getLogger(__name__)


@shared_task
def retention_run_task() -> int:
    report = retention_run()
    for step in report.steps:
        logger.info("Retention: %s %s rows of %s", step.action, step.rows, step.label)
    return report.total
