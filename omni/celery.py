"""The Celery application; configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

from omni import log_tasks as _log_tasks  # noqa: F401  (request ids to tasks, worker lines)
from omni import worker_health as _worker_health  # noqa: F401  (heartbeats, beat jobs' runs)
from omni.garbage_collection import settle_garbage_collection
from omni.metrics import celery_tasks as _task_metrics  # noqa: F401  (connects its receivers)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omni.settings")

app = Celery("omni")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@worker_process_init.connect
def _settle_garbage_collection(**_kwargs: object) -> None:
    """Workers run the history import's chunks and the lifecycle's batches: the cycle collector
    tuned as for the web processes (see omni.garbage_collection), once their code is loaded
    (in the main process, and again in each child the prefork pool starts)."""
    settle_garbage_collection()
