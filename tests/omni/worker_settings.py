"""Settings of the Celery worker that test_worker_health.py starts: the test settings, plus a
beat entry whose task always fails (tests/omni/worker_tasks.py)."""

from omni.settings_test import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,  # noqa: F405
    "test-failing-job": {"task": "tests.omni.worker_tasks.failing_job_task", "schedule": 60},
}
