"""Dates and times for demo rows: when stores are open, when people shop online."""

import random
import zoneinfo
from datetime import date, datetime, time, timedelta

from omni.models import WEEKDAYS, Store

PARIS = zoneinfo.ZoneInfo("Europe/Paris")

# weekday number (Monday = 0) → opening ranges of that day
WeeklyHours = dict[int, list[tuple[time, time]]]


def weekly_hours(store: Store) -> WeeklyHours:
    hours: WeeklyHours = {}
    for number, day in enumerate(WEEKDAYS):
        ranges = store.opening_hours.get(day, [])
        if ranges:
            hours[number] = [
                (time.fromisoformat(start), time.fromisoformat(end)) for start, end in ranges
            ]
    return hours


def minutes_between(start: time, end: time) -> int:
    return (end.hour - start.hour) * 60 + end.minute - start.minute


def at(day: date, moment: time, zone: zoneinfo.ZoneInfo = PARIS) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)


def random_moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max(int((end - start).total_seconds()), 1)
    return start + timedelta(seconds=rng.randrange(span))


def in_store_moment(rng: random.Random, hours: WeeklyHours, day: date) -> datetime:
    """A time when the store is open on `day`, or on the last open day before it."""
    while day.weekday() not in hours:
        day -= timedelta(days=1)
    opening, closing = rng.choice(hours[day.weekday()])
    # Leave the last quarter of an hour free: nobody rings up a sale as the doors close.
    minutes = rng.randrange(max(minutes_between(opening, closing) - 15, 1))
    return at(day, opening) + timedelta(minutes=minutes)


def online_moment(rng: random.Random, day: date) -> datetime:
    """People shop online from breakfast to late evening."""
    return at(day, time(7, 0)) + timedelta(minutes=rng.randrange(16 * 60 + 30))


def local_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()
