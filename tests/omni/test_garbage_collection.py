"""The WSGI application settles the cycle collector once loaded (omni.garbage_collection)."""

import gc
import importlib
from collections.abc import Iterator

import pytest

from omni import garbage_collection


@pytest.fixture
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


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
