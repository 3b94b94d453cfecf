"""The records the benchmark sends, shaped exactly as the batch API takes them (orders like
`OrderBatchRecordSerializer`, customers like `CustomerBatchRecordSerializer`), and the chain of
mixed batches a shop pushes day after day.

An order has three lines from the scale dataset's catalogue (`omni.benchmark.catalogue`):
60 % are web orders shipped, 40 % store sales (a store code, fulfilled in store). A changed
order is one sent again with a discount on its second line and a later `source_updated_at`
(its subtotal and total follow); an unchanged one is sent again as it was.
"""

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from journeys.benchmark.people import PeopleDrawer, Person
from omni.benchmark.catalogue import products

SOURCE = "bench-shop"
LINES_PER_ORDER = 3
STORE_PERMILLE = 400
NEW_CUSTOMER_SHARE = 5  # one new order in five comes from a new customer


@dataclass(frozen=True)
class Catalogue:
    skus: tuple[str, ...]
    price_cents: tuple[int, ...]
    store_codes: tuple[str, ...]


def benchmark_catalogue(store_codes: Sequence[str]) -> Catalogue:
    rows = products()
    return Catalogue(
        skus=tuple(product.sku for product in rows),
        price_cents=tuple(round(float(product.price) * 100) for product in rows),
        store_codes=tuple(store_codes),
    )


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def timestamp(moment: datetime.datetime) -> str:
    return moment.isoformat()


@dataclass(frozen=True)
class CustomerReference:
    """How an order designates a customer the shop already knows: her id there, her email."""

    external_id: str
    email: str

    def as_record(self) -> dict[str, Any]:
        return {"source": SOURCE, "external_id": self.external_id, "email": self.email}


def new_customer_record(external_id: str, person: Person) -> dict[str, Any]:
    """A customer the shop has just met: her names and phone come with her first order."""
    record = {
        "source": SOURCE,
        "external_id": external_id,
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
    }
    if person.phone:
        record["phone"] = person.phone
    return record


def _lines(rng: random.Random, catalogue: Catalogue) -> list[dict[str, Any]]:
    picked = rng.sample(range(len(catalogue.skus)), LINES_PER_ORDER)
    return [
        {
            "sku": catalogue.skus[index],
            "quantity": 1 if rng.randrange(10) else 2,
            "unit_price": money(catalogue.price_cents[index]),
            "discount": "0.00",
        }
        for index in picked
    ]


def order_record(
    rng: random.Random,
    *,
    reference: str,
    customer: dict[str, Any],
    placed_at: datetime.datetime,
    catalogue: Catalogue,
) -> dict[str, Any]:
    lines = _lines(rng, catalogue)
    subtotal = sum(round(float(line["unit_price"]) * 100) * line["quantity"] for line in lines)
    in_store = rng.randrange(1000) < STORE_PERMILLE
    record = {
        "source": SOURCE,
        "external_reference": reference,
        "channel": "store" if in_store else "web",
        "status": "completed" if in_store else "confirmed",
        "fulfilment": "in_store" if in_store else "shipping",
        "placed_at": timestamp(placed_at),
        "source_updated_at": timestamp(placed_at + datetime.timedelta(minutes=5)),
        "currency": "EUR",
        "customer": customer,
        "shipping_total": "0.00" if in_store else "4.90",
        "tax_total": money(round(subtotal / 6)),  # French VAT, included in the prices
        "lines": lines,
    }
    if in_store:
        record["store"] = rng.choice(catalogue.store_codes)
    return record


def changed(record: dict[str, Any]) -> dict[str, Any]:
    """The order sent again a day later with 10 % off its second line."""
    lines = [dict(line) for line in record["lines"]]
    second = lines[1]
    amount = round(float(second["unit_price"]) * 100) * second["quantity"]
    second["discount"] = money(amount // 10)
    updated = datetime.datetime.fromisoformat(record["source_updated_at"])
    later = timestamp(updated + datetime.timedelta(days=1))
    return {**record, "lines": lines, "source_updated_at": later}


@dataclass
class BatchChain:
    """Batches as a shop pushes them: the first has only new orders; each next one holds half
    new orders and, sent again, half of the previous batch's new ones (half of those changed,
    half as they were). One order in five comes from a new customer, the others from
    `existing` customers (or, sent again, from the customer of their first sending).

    Two chains with the same seed and as many existing customers send the same orders
    (contents, prices, names) under their own references, customers, emails and phones, so
    that two ways of writing them can be compared row by row. `prefix` (lower-case) makes
    references, customer ids and emails unique to the chain; phones are
    `phone_number(phone_offset + n)`."""

    prefix: str
    seed: str
    existing: Sequence[CustomerReference]
    catalogue: Catalogue
    anchor: datetime.datetime
    phone_offset: int
    previous_new: list[dict[str, Any]] = field(default_factory=list)
    batches: int = 0
    orders: int = 0
    customers: int = 0
    drawer: PeopleDrawer | None = None

    def _new_customer(self) -> dict[str, Any]:
        if self.drawer is None:
            self.drawer = PeopleDrawer(f"{self.seed}:people")
        self.customers += 1
        person = self.drawer.draw(
            self.phone_offset + self.customers, email_tag=f".{self.prefix}.{self.customers}"
        )
        return new_customer_record(f"{self.prefix}-c{self.customers}", person)

    def _new_orders(self, rng: random.Random, count: int, new_customers: int) -> list[dict]:
        records = []
        for number in range(count):
            self.orders += 1
            if number < new_customers:
                customer = self._new_customer()
            else:
                customer = rng.choice(self.existing).as_record()
            records.append(
                order_record(
                    rng,
                    reference=f"{self.prefix}-{self.orders}",
                    customer=customer,
                    placed_at=self.anchor - datetime.timedelta(seconds=37 * self.orders),
                    catalogue=self.catalogue,
                )
            )
        return records

    def next_batch(self, size: int) -> list[dict[str, Any]]:
        rng = random.Random(f"{self.seed}:batch:{self.batches}")
        self.batches += 1
        sent_again = self.previous_new[: size // 2]
        fresh_count = size - len(sent_again)
        fresh = self._new_orders(rng, fresh_count, fresh_count // NEW_CUSTOMER_SHARE)
        half = len(sent_again) // 2
        batch = fresh + [changed(record) for record in sent_again[:half]] + sent_again[half:]
        self.previous_new = fresh
        rng.shuffle(batch)
        return batch

    def history(self, count: int) -> list[dict[str, Any]]:
        """`count` new orders of `existing` customers only: a past the shop exports once."""
        rng = random.Random(f"{self.seed}:history:{self.batches}")
        self.batches += 1
        return self._new_orders(rng, count, 0)
