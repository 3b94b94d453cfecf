"""A task for the worker of test_worker_health.py: a beat job that fails, with a message that
quotes a customer (which the record of its run must not keep)."""

from celery import shared_task


@shared_task(name="tests.omni.worker_tasks.failing_job_task")
def failing_job_task() -> None:
    raise LookupError("No loyalty card for jane.doe@example.com")
