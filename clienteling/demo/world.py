"""What every demo builder shares: the clock, seeded randomness, reference rows, the writer."""

import itertools
import operator
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection, models
from faker import Faker

from clienteling.demo.calendar import WeeklyHours
from clienteling.models import Associate
from omni.models import Product, Service, Store

# A status change in a workflow's history: (from, to, when, by whom, note)
Step = tuple[str, str, datetime, User | None, str]

DEMO_APP_LABELS = ("omni", "customers", "journeys", "clienteling")
BATCH_SIZE = 2000


@cache
def _timestamp_fields(model: type[models.Model]) -> tuple[models.DateTimeField, ...]:
    return tuple(
        model_field
        for model_field in model._meta.concrete_fields
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
    )


@contextmanager
def explicit_timestamps() -> Iterator[None]:
    """Let the seed write `created_at`/`updated_at` itself while the block runs.

    `auto_now(_add)` would stamp every row with today, while a demo history spreads over three
    years ("customer since", "ticket opened on"). `bulk_create` has no public switch for it.
    """
    fields = [
        model_field
        for label in DEMO_APP_LABELS
        for model in apps.get_app_config(label).get_models()
        for model_field in _timestamp_fields(model)
    ]
    saved = [
        (model_field, model_field.auto_now, model_field.auto_now_add) for model_field in fields
    ]
    for model_field in fields:
        model_field.auto_now = model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field, auto_now, auto_now_add in saved:
            model_field.auto_now, model_field.auto_now_add = auto_now, auto_now_add


def insert_rows[M: models.Model](objects: Sequence[M], *, now: datetime) -> Sequence[M]:
    """Write `objects` (all of one model) in bulk; timestamps left empty default to `now`.

    PostgreSQL gets COPY, SQLite bulk_create in batches. Either way the primary keys are set
    afterwards, so dependent rows can point at them.
    """
    if not objects:
        return objects
    model = type(objects[0])
    for model_field in _timestamp_fields(model):
        name = model_field.attname
        for instance in objects:
            if getattr(instance, name) is None:
                setattr(instance, name, getattr(instance, "created_at", None) or now)
    if connection.vendor == "postgresql":
        _copy_into_postgresql(model, objects)
    else:
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    return objects


def _copy_into_postgresql(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """What bulk_create does, with COPY: several times faster for the big tables.

    Ids are reserved from the table's sequence first, so rows can point at each other.
    Values go to psycopg as they are (aware datetimes, Decimals...), JSON through the backend.
    """
    fields = [column for column in model._meta.concrete_fields if not column.generated]
    new = [instance for instance in objects if instance.pk is None]
    for instance, new_id in zip(new, _reserve_ids(model, len(new)), strict=True):
        instance.pk = new_id
    relations = [column for column in fields if column.is_relation]
    json_columns = [
        (index, column.encoder)
        for index, column in enumerate(fields)
        if isinstance(column, models.JSONField)
    ]
    # Every concrete field's value sits in the instance's __dict__ once it is built.
    read_row = operator.itemgetter(*[column.attname for column in fields])
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column.column) for column in fields)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for instance in objects:
            _link_saved_parents(instance, relations)
            # As after bulk_create: the instance now stands for a saved row.
            instance._state.adding, instance._state.db = False, connection.alias
            row = list(read_row(instance.__dict__))
            for index, encoder in json_columns:
                row[index] = connection.ops.adapt_json_value(row[index], encoder)
            copy.write_row(row)


def _link_saved_parents(instance: models.Model, relations: list[models.Field]) -> None:
    """Copy the new id of a parent that was not saved yet when it was assigned."""
    for relation in relations:
        if instance.__dict__[relation.attname] is None:
            parent = relation.get_cached_value(instance, default=None)
            if parent is not None:
                setattr(instance, relation.name, parent)


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


@dataclass
class DemoWorld:
    """The reference rows and tools one seeding run shares between builders."""

    seed: int
    now: datetime
    stores: dict[str, Store] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    products: list[Product] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    associates: dict[str, Associate] = field(default_factory=dict)
    hours: dict[int, WeeklyHours] = field(default_factory=dict)
    # Demo usernames that existed before the run: their passwords were left alone.
    kept_accounts: list[str] = field(default_factory=list)
    _counters: dict[str, Iterator[int]] = field(default_factory=dict)
    _teams: dict[int, list[Associate]] = field(default_factory=dict)
    _assortments: dict[tuple[str, str], list[Product]] = field(default_factory=dict)

    def rng(self, section: str) -> random.Random:
        """An independent stream per section: adding rows to one keeps the others identical."""
        return random.Random(f"{self.seed}:{section}")

    def faker(self, section: str) -> Faker:
        fake = Faker("fr_FR")
        fake.seed_instance(f"{self.seed}:{section}")
        return fake

    def next_number(self, sequence: str) -> int:
        return next(self._counters.setdefault(sequence, itertools.count(1)))

    def insert[M: models.Model](self, objects: Sequence[M]) -> Sequence[M]:
        return insert_rows(objects, now=self.now)

    def team(self, store: Store) -> list[Associate]:
        """The store's associates, manager included (the list is built once)."""
        if not self._teams:
            for associate in self.associates.values():
                self._teams.setdefault(associate.store_id, []).append(associate)
        return self._teams[store.pk]

    def products_for(self, persona: str, gender: str) -> list[Product]:
        """What a fashion, beauty or "both" customer of that gender buys."""
        key = (persona, gender)
        if key not in self._assortments:
            departments = PERSONA_DEPARTMENTS[persona]
            self._assortments[key] = [
                product
                for product in self.products
                if product.department in departments
                and product.attributes["gender"] in (gender, "unisex")
            ]
        return self._assortments[key]


PERSONA_DEPARTMENTS = {
    "fashion": ("fashion", "accessories"),
    "beauty": ("beauty",),
    "both": ("fashion", "accessories", "beauty"),
}
