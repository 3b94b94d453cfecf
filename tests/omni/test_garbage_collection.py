"""The WSGI application and Celery workers settle the cycle collector once loaded
(omni.garbage_collection)."""

import gc
import importlib

import pytest
from celery.signals import worker_init, worker_process_init
from celery.utils.dispatch import Signal

import omni.celery  # noqa: F401 - connects the workers' receivers
from omni import garbage_collection


def test_the_wsgi_application_freezes_what_it_loaded_and_collects_less_often(
    restored_collector: None,
) -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    import omni.wsgi

    importlib.reload(omni.wsgi)
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (
        garbage_collection.YOUNG_THRESHOLD,
        garbage_collection.MIDDLE_THRESHOLD,
        garbage_collection.OLD_THRESHOLD,
    )
    assert callable(omni.wsgi.application)


@pytest.mark.parametrize("signal", [worker_init, worker_process_init])
def test_celery_workers_settle_the_collector_once_loaded(
    restored_collector: None, signal: Signal
) -> None:
    """Workers run import chunks and lifecycle batches: the main process and each child of the
    prefork pool settle the collector when Celery says they are ready. (The receiver is called
    itself: sending the signal would also run Celery's Django fixup, which closes the test's
    database connection.)"""
    receivers = [reference() for _key, reference in signal.receivers]
    settle = next(r for r in receivers if getattr(r, "__module__", "") == "omni.celery")
    gc.set_threshold(700, 10, 10)
    settle(signal=signal, sender=None)
    assert gc.get_threshold() == (
        garbage_collection.YOUNG_THRESHOLD,
        garbage_collection.MIDDLE_THRESHOLD,
        garbage_collection.OLD_THRESHOLD,
    )
