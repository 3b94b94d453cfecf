"""Background jobs of the customer profile."""

import datetime

from celery import shared_task
from django.utils import timezone

from customers.name_words import name_words_refresh

# Read back further than the schedule, so that a late or skipped run loses no name.
RECENT_WINDOW = datetime.timedelta(minutes=30)


@shared_task(name="customers.tasks.name_words_refresh_task")
def name_words_refresh_task(*, everyone: bool = False) -> int:
    """The name vocabulary of typo-tolerant search: recently changed names every few
    minutes, every name (exact counts) at night. Safe to run twice."""
    since = None if everyone else timezone.now() - RECENT_WINDOW
    return name_words_refresh(since=since)
