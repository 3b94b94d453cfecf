"""Background work a service asks for, named instead of imported.

Imports point one way: a Celery task module imports the services it runs, never the reverse.
A service that needs work done in the background once its transaction commits (process the
webhook delivery it just stored, send an outbound delivery, refresh a customer's stage) names
the task, and the name is looked up in Celery's registry when the service runs. The lookup
happens at once, not after the commit, so a misspelt name fails the caller's test rather than
vanishing in an on_commit hook.

A web process has not always imported every app's tasks module: the first lookup of a name
Celery does not know yet imports them all (the same modules a worker imports when it starts).
"""

from __future__ import annotations

import functools
from typing import Any

from celery import Task, current_app
from django.db import transaction


class UnknownTaskError(LookupError):
    """No task of that name in any installed app's tasks module."""


def task_named(name: str) -> Task:
    """The registered task called `name` ("app.tasks.function_name")."""
    tasks = current_app.tasks
    if name not in tasks:
        # Celery's autodiscovery, now: every installed app's tasks module, as a worker loads
        # them (not the loader's import_default_modules, whose Django fixup runs every system
        # check, and they read the database).
        current_app.autodiscover_tasks(force=True)
    try:
        return tasks[name]
    except KeyError:
        raise UnknownTaskError(f"No Celery task is registered as {name!r}.") from None


def queue_task(name: str, *args: Any, **kwargs: Any) -> None:
    """Queue the task now (outside a transaction, or when the caller has committed)."""
    task_named(name).delay(*args, **kwargs)


def queue_task_after_commit(name: str, *args: Any, robust: bool = False, **kwargs: Any) -> None:
    """Queue the task once the current transaction commits (at once outside one).

    robust: a broker that cannot be reached is logged instead of failing the request that
    already committed (for work a periodic sweep picks up again).
    """
    task = task_named(name)
    transaction.on_commit(functools.partial(task.delay, *args, **kwargs), robust=robust)
