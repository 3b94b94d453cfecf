"""Services queue tasks by name (omni.background): found even where nobody imported the task's
module yet, queued after the commit, and a misspelt name fails at once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from omni.background import UnknownTaskError, queue_task_after_commit, task_named

ROOT = Path(__file__).resolve().parents[2]


def test_a_task_is_found_in_a_process_that_never_imported_its_module() -> None:
    script = (
        "import sys, django; django.setup()\n"
        "before = 'clienteling.tasks' in sys.modules\n"
        "from omni.background import task_named\n"
        "task = task_named('clienteling.tasks.pickup_ready_notify_task')\n"
        "print(before, task.name)\n"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "omni.settings",
        "DJANGO_DEBUG": "1",
        "OMNI_ENV_FILE": os.devnull,
    }
    environment.pop("CELERY_BROKER_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "clienteling.tasks.pickup_ready_notify_task"]


def test_a_misspelt_task_name_fails_at_once_not_after_the_commit() -> None:
    with pytest.raises(UnknownTaskError, match=r"journeys\.tasks\.no_such_task"):
        queue_task_after_commit("journeys.tasks.no_such_task", 1)


@pytest.mark.django_db(transaction=True)
def test_the_task_is_queued_when_the_transaction_commits(monkeypatch: pytest.MonkeyPatch) -> None:
    task = task_named("omni.tasks.idempotency_records_purge_task")
    queued: list[tuple] = []
    monkeypatch.setattr(task, "delay", lambda *args, **kwargs: queued.append((args, kwargs)))
    with transaction.atomic():
        queue_task_after_commit("omni.tasks.idempotency_records_purge_task", 7, reason="x")
        assert queued == []
    assert queued == [((7,), {"reason": "x"})]

    def rolled_back() -> None:
        with transaction.atomic():
            queue_task_after_commit("omni.tasks.idempotency_records_purge_task", 8)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        rolled_back()
    assert queued == [((7,), {"reason": "x"})]
