"""Periodic housekeeping of the project package."""

from celery import shared_task

from omni.api.idempotency import idempotency_records_purge


@shared_task
def idempotency_records_purge_task() -> int:
    """Forget Idempotency-Key results past their retention (kept at least 24 hours)."""
    return idempotency_records_purge()
