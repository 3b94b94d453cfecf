"""Settings of the worker and beat processes that test_worker_crash starts and kills.

The test settings, on the test's own queue (OMNI_TEST_QUEUE), with beat running the lost-delivery
sweep only; the lease and the sweep's cadence come from the environment (seconds, not a minute).
"""

import os

from omni.settings_test import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["OMNI_TEST_QUEUE"]
CELERY_BEAT_SCHEDULE = {
    name: entry
    for name, entry in CELERY_BEAT_SCHEDULE.items()  # noqa: F405
    if name == "requeue-lost-webhook-deliveries"
}
