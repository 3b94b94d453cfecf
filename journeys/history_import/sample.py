"""Sample import files to measure `import_history` with: customers and three-line orders as
JSON Lines, with the catalogue and stores they name.

    from journeys.history_import.sample import sample_catalogue_create, sample_files_write
    sample_catalogue_create()
    sample_files_write(Path("/tmp/history"), customers=50_000, orders=250_000)

Orders name their customer as a shop does (source, external id, email); 40 % are store sales.
"""

import datetime
import json
import random
from decimal import Decimal
from pathlib import Path

from omni.models import Product, Store

SOURCE = "history-sample"
PRODUCTS = 500
STORE_CODES = tuple(f"sample-{number:02d}" for number in range(1, 9))
FIRST_NAMES = ("Claire", "Léa", "Hugo", "Jules", "Inès", "Louis", "Chloé", "Adam", "Emma", "Noah")
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy")
START = datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)


def sample_catalogue_create() -> None:
    Product.objects.bulk_create(
        [
            Product(sku=_sku(number), name=f"Sample product {number}", price=_price(number))
            for number in range(PRODUCTS)
        ],
        ignore_conflicts=True,
    )
    Store.objects.bulk_create(
        [Store(code=code, name=f"Sample store {code}") for code in STORE_CODES],
        ignore_conflicts=True,
    )


def sample_files_write(
    directory: Path, *, customers: int, orders: int, seed: int = 1, prefix: str = ""
) -> None:
    """customers.jsonl and orders.jsonl in `directory`; `prefix` makes the references of
    this sample its own (another sample's files import beside it)."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with (directory / "customers.jsonl").open("w") as file:
        for number in range(customers):
            file.write(json.dumps(_customer(rng, f"{prefix}c{number}")) + "\n")
    with (directory / "orders.jsonl").open("w") as file:
        for number in range(orders):
            customer = f"{prefix}c{rng.randrange(customers)}"
            file.write(json.dumps(_order(rng, number, f"{prefix}o{number}", customer)) + "\n")


def _sku(number: int) -> str:
    return f"SAMPLE-{number:04d}"


def _price(number: int) -> Decimal:
    return Decimal(19 + (number * 37) % 400) + Decimal("0.90")


def _customer(rng: random.Random, external_id: str) -> dict:
    return {
        "source": SOURCE,
        "external_id": external_id,
        "email": f"{external_id}@example.com",
        "first_name": rng.choice(FIRST_NAMES),
        "last_name": rng.choice(LAST_NAMES),
        "acquisition_channel": rng.choice(("web", "store")),
    }


def _order(rng: random.Random, number: int, reference: str, customer: str) -> dict:
    in_store = rng.randrange(10) < 4
    placed_at = START + datetime.timedelta(seconds=number * 37)
    record = {
        "source": SOURCE,
        "external_reference": reference,
        "channel": "store" if in_store else "web",
        "status": "completed",
        "fulfilment": "in_store" if in_store else "shipping",
        "placed_at": placed_at.isoformat(),
        "source_updated_at": placed_at.isoformat(),
        "currency": "EUR",
        "customer": {"source": SOURCE, "external_id": customer, "email": f"{customer}@example.com"},
        "shipping_total": "0.00" if in_store else "4.90",
        "lines": [
            {
                "sku": _sku(index),
                "quantity": 1 + (rng.randrange(10) == 0),
                "unit_price": str(_price(index)),
            }
            for index in rng.sample(range(PRODUCTS), 3)
        ],
    }
    if in_store:
        record["store"] = rng.choice(STORE_CODES)
    return record
