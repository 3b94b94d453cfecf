"""Settings of the worker and beat processes that test_worker_crash starts and kills.

The test settings, on the test's own queue (OMNI_TEST_QUEUE), with beat running the lost-delivery
sweep only; the lease and the sweep's cadence come from the environment (seconds, not a minute).
Each task pauses a moment before it runs (TASK_PAUSE_SECONDS), so that the test's kill, which it
sends once a worker holds a delivery still waiting, lands while that delivery is in hand rather
than in the few milliseconds between its commit and its acknowledgement.
"""

import os
import time

from celery.signals import task_prerun

from omni.settings_test import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["OMNI_TEST_QUEUE"]
CELERY_BEAT_SCHEDULE = {
    name: entry
    for name, entry in CELERY_BEAT_SCHEDULE.items()  # noqa: F405
    if name == "requeue-lost-webhook-deliveries"
}

TASK_PAUSE_SECONDS = 0.2


@task_prerun.connect
def _pause_before_each_task(**_: object) -> None:
    time.sleep(TASK_PAUSE_SECONDS)
