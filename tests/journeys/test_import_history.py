"""manage.py import_history: every format with known answers, the dry run, the errors file,
resuming after a chunk failed, a chunk written once whoever runs it, and bad files and
options."""

import csv
import datetime
import gc
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.core.management import CommandError, call_command

from customers.factories import ConsentWordingFactory
from customers.models import Customer
from journeys.history_import import chunks
from journeys.history_import.files import ChunkSpan
from journeys.history_import.formats import JSON_LINES
from journeys.history_import.models import HistoryImport, HistoryImportChunk, HistoryKind
from journeys.history_import.readers import JsonLinesReader
from journeys.history_import.statistics import statistics_due, statistics_refresh
from journeys.models import Fulfilment, Order, Pickup, Return
from omni.factories import ProductFactory, StoreFactory
from omni.garbage_collection import MIDDLE_THRESHOLD, OLD_THRESHOLD, YOUNG_THRESHOLD

UTC = datetime.UTC


@pytest.fixture
def catalogue(db: None) -> None:
    ProductFactory(sku="TRENCH", name="Trench coat", price=Decimal("890.00"))
    ProductFactory(sku="SCARF", name="Cashmere scarf", price=Decimal("120.00"))
    ProductFactory(sku="BAG", name="Leather bag", price=Decimal("450.00"))
    StoreFactory(code="paris")


def import_history(*arguments: str) -> str:
    output = io.StringIO()
    call_command("import_history", *arguments, "--no-progress", stdout=output)
    return output.getvalue()


def jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def csv_file(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def order_record(reference: str, **overrides: Any) -> dict[str, Any]:
    return {
        "source": "pos",
        "external_reference": reference,
        "channel": "store",
        "placed_at": "2024-03-01T10:00:00+01:00",
        "store": "paris",
        "fulfilment": "in_store",
        "customer": {"email": f"client-{reference}@example.fr"},
        "lines": [
            {"sku": "TRENCH", "quantity": 1, "unit_price": "890.00"},
            {"sku": "SCARF", "quantity": 2, "unit_price": "120.00", "discount": "20.00"},
            {"sku": "BAG", "quantity": 1, "unit_price": "450.00"},
        ],
        **overrides,
    }


def orders_with_line_5_broken(directory: Path, count: int) -> Path:
    """Orders "1" to `count`, one per line, but line 5 is not JSON."""
    path = jsonl(directory / "orders.jsonl", [order_record(str(n)) for n in range(1, count + 1)])
    lines = path.read_text().splitlines()
    lines[4] = "{broken"
    path.write_text("\n".join(lines) + "\n")
    return path


def errors_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


# JSON Lines ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_customers_then_orders_from_json_lines(catalogue: None, tmp_path: Path) -> None:
    customers = jsonl(
        tmp_path / "customers.jsonl",
        [
            {
                "source": "pos",
                "external_id": "C1",
                "email": "client-1@example.fr",
                "first_name": "Claire",
                "last_name": "Martin",
                "addresses": [
                    {
                        "kind": "home",
                        "line1": "1 rue de Rivoli",
                        "postal_code": "75001",
                        "city": "Paris",
                    }
                ],
            },
            {"source": "pos", "external_id": "C2", "phone": "+33612345678"},
        ],
    )
    orders = jsonl(tmp_path / "orders.jsonl", [order_record(str(n)) for n in (1, 2, 3)])

    customers_output = import_history(str(customers), "--kind", "customers", "--no-lifecycle")
    orders_output = import_history(str(orders), "--kind", "orders", "--chunk-size", "2")

    assert "2 records imported" in customers_output
    assert "created: 2" in customers_output
    assert "3 records imported" in orders_output
    assert "created: 3" in orders_output
    claire = Customer.objects.get(email="client-1@example.fr")
    assert (claire.first_name, claire.addresses.get().city) == ("Claire", "Paris")
    # Her order found her by email; the other two orders made new profiles.
    assert Customer.objects.count() == 4
    order = Order.objects.get(external_reference="1")
    assert order.customer == claire
    assert (order.subtotal, order.total, order.lines.count()) == (
        Decimal("1560.00"),
        Decimal("1560.00"),
        3,
    )
    assert order.placed_at == datetime.datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    history_import = HistoryImport.objects.get(kind="orders")
    assert history_import.chunks.filter(status="done").count() == 2
    assert history_import.finished_at is not None
    # The lifecycle recompute ran after the orders.
    claire.refresh_from_db()
    assert claire.lifecycle_stage != Customer._meta.get_field("lifecycle_stage").default


@pytest.mark.django_db
def test_the_same_file_again_writes_nothing_new(catalogue: None, tmp_path: Path) -> None:
    orders = jsonl(tmp_path / "orders.jsonl", [order_record(str(n)) for n in (1, 2)])
    import_history(str(orders), "--kind", "orders", "--no-lifecycle")

    output = import_history(str(orders), "--kind", "orders", "--no-lifecycle")

    assert "Resuming: 1 of 1 chunks" in output
    assert Order.objects.count() == 2


# CSV: Omni's columns, Shopify's and WooCommerce's exports -------------------------------------


@pytest.mark.django_db
def test_omni_csv_orders_one_row_per_line(catalogue: None, tmp_path: Path) -> None:
    header = [
        "source",
        "external_reference",
        "channel",
        "placed_at",
        "currency",
        "shipping_total",
        "customer.email",
        "customer.first_name",
        "lines.sku",
        "lines.quantity",
        "lines.unit_price",
        "lines.discount",
    ]
    rows = [
        [
            "web",
            "W1",
            "web",
            "2024-05-02T08:00:00Z",
            "EUR",
            "10.00",
            "lea@example.fr",
            "Léa",
            "TRENCH",
            "1",
            "890.00",
            "",
        ],
        ["web", "W1", "", "", "", "", "", "", "SCARF", "2", "120.00", "20.00"],
        [
            "web",
            "W2",
            "web",
            "2024-05-03T08:00:00Z",
            "USD",
            "",
            "lea@example.fr",
            "",
            "BAG",
            "1",
            "450.00",
            "",
        ],
    ]
    path = csv_file(tmp_path / "orders.csv", header, rows)

    output = import_history(str(path), "--kind", "orders", "--no-lifecycle")

    assert "created: 2" in output
    first = Order.objects.get(external_reference="W1")
    assert [(line.sku, line.total) for line in first.lines.order_by("line_number")] == [
        ("TRENCH", Decimal("890.00")),
        ("SCARF", Decimal("220.00")),
    ]
    assert (first.total, first.shipping_total) == (Decimal("1120.00"), Decimal("10.00"))
    second = Order.objects.get(external_reference="W2")
    assert (second.currency, second.total, second.customer) == (
        "USD",
        Decimal("450.00"),
        first.customer,
    )
    assert first.customer.first_name == "Léa"


@pytest.mark.django_db
def test_omni_csv_customers_with_nested_columns(catalogue: None, tmp_path: Path) -> None:
    header = [
        "source",
        "external_id",
        "email",
        "addresses.0.city",
        "addresses.0.line1",
        "addresses.0.postal_code",
    ]
    header += ["preferences.sizes.top", "consents.0.purpose", "consents.0.channel"]
    header += ["consents.0.granted", "consents.0.wording_version"]
    rows = [["pos", "C9", "anne@example.fr", "Lyon", "2 quai", "69002", "M", "marketing", "email"]]
    rows[0] += ["true", "v1"]
    path = csv_file(tmp_path / "customers.csv", header, rows)
    ConsentWordingFactory(purpose="marketing", version="v1")

    output = import_history(str(path), "--kind", "customers", "--no-lifecycle")

    assert "created: 1" in output, output
    anne = Customer.objects.get(email="anne@example.fr")
    assert anne.addresses.get().city == "Lyon"
    assert anne.preference.sizes == {"top": "M"}
    assert anne.consents.get().granted is True
    assert anne.consents.get().wording.version == "v1"


SHOPIFY_HEADER = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem sku",
    "Billing Name",
    "Cancelled at",
    "Id",
    "Source",
    "Phone",
]


def shopify_row(name: str, order: list[str], line: list[str], tail: list[str]) -> list[str]:
    return [name, *order, *line, *tail]


@pytest.mark.django_db
def test_shopify_order_export(catalogue: None, tmp_path: Path) -> None:
    # #1001: prices with tax (total = subtotal + shipping); #1002: prices before tax (a US
    # shop: total = subtotal + shipping + taxes), cancelled.
    rows = [
        [
            "#1001",
            "jo@example.com",
            "paid",
            "",
            "fulfilled",
            "EUR",
            "990.00",
            "10.00",
            "165.00",
            "1000.00",
            "WELCOME",
            "20.00",
            "2024-03-01 10:15:42 +0100",
            "1",
            "Trench coat",
            "890.00",
            "TRENCH",
            "Jo Smith",
            "",
            "450789469",
            "web",
            "",
        ],
        [
            "#1001",
            "jo@example.com",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "1",
            "Scarf",
            "120.00",
            "SCARF",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "#1002",
            "",
            "paid",
            "",
            "",
            "USD",
            "450.00",
            "0.00",
            "36.00",
            "486.00",
            "",
            "0.00",
            "2024-03-02 09:00:00 -0500",
            "1",
            "Bag",
            "450.00",
            "BAG",
            "Sam Lee",
            "2024-03-03 10:00:00 -0500",
            "450789470",
            "pos",
            "+33612345678",
        ],
    ]
    path = csv_file(tmp_path / "orders_export.csv", SHOPIFY_HEADER, rows)

    output = import_history(str(path), "--kind", "orders", "--source", "my-shop", "--no-lifecycle")

    assert "created: 2" in output, output
    first = Order.objects.get(source="my-shop", external_reference="450789469")
    assert (first.subtotal, first.discount_total, first.tax_total, first.total) == (
        Decimal("1010.00"),
        Decimal("20.00"),
        Decimal("165.00"),
        Decimal("1000.00"),
    )
    assert (first.status, first.placed_at) == (
        Order.Status.FULFILLED,
        datetime.datetime(2024, 3, 1, 9, 15, 42, tzinfo=UTC),
    )
    assert (first.customer.email, first.customer.first_name) == ("jo@example.com", "Jo")
    second = Order.objects.get(external_reference="450789470")
    assert (second.total, second.currency, second.status) == (
        Decimal("486.00"),
        "USD",
        Order.Status.CANCELLED,
    )
    assert (second.channel, second.fulfilment) == ("store", Fulfilment.IN_STORE)
    assert second.customer.last_name == "Lee"


WOOCOMMERCE_HEADER = [
    "order_id",
    "order_number",
    "order_date",
    "status",
    "shipping_total",
    "shipping_tax_total",
    "tax_total",
    "discount_total",
    "order_total",
    "order_currency",
    "billing_first_name",
    "billing_last_name",
    "billing_email",
    "billing_phone",
    "item_sku",
    "item_name",
    "item_quantity",
    "item_subtotal",
    "item_total",
]


@pytest.mark.django_db
def test_woocommerce_order_export(catalogue: None, tmp_path: Path) -> None:
    # Order 727 (fixture's figures): a coupon of 10 on the scarves; 20 % tax added on top.
    order = ["727", "727", "2024-06-10 14:30:00", "completed", "10.00", "2.00", "266.00"]
    order += ["10.00", "1608.00", "EUR", "Ana", "Silva", "ana@example.pt", ""]
    rows = [
        [*order, "TRENCH", "Trench coat", "1", "1100.00", "1100.00"],
        [
            "727",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "SCARF",
            "Scarf",
            "2",
            "240.00",
            "230.00",
        ],
    ]
    path = csv_file(tmp_path / "woo.csv", WOOCOMMERCE_HEADER, rows)

    output = import_history(
        str(path), "--kind", "orders", "--time-zone", "Europe/Paris", "--no-lifecycle"
    )

    assert "created: 1" in output, output
    stored = Order.objects.get(source="woocommerce", external_reference="727")
    assert stored.placed_at == datetime.datetime(2024, 6, 10, 12, 30, tzinfo=UTC)
    assert (stored.subtotal, stored.tax_total, stored.total) == (
        Decimal("1330.00"),
        Decimal("268.00"),
        Decimal("1608.00"),
    )
    assert [line.discount for line in stored.lines.order_by("line_number")] == [
        Decimal("0.00"),
        Decimal("10.00"),
    ]
    assert stored.status == Order.Status.COMPLETED
    assert stored.customer.email == "ana@example.pt"


# Returns and pickups ----------------------------------------------------------------------


@pytest.mark.django_db
def test_returns_and_pickups_of_imported_orders(catalogue: None, tmp_path: Path) -> None:
    orders = jsonl(
        tmp_path / "orders.jsonl",
        [order_record("1"), order_record("2", channel="web", fulfilment="shipping", store=None)],
    )
    returns = jsonl(
        tmp_path / "returns.jsonl",
        [
            {
                "source": "pos",
                "external_reference": "R1",
                "order": {"source": "pos", "external_reference": "1"},
                "channel": "store",
                "store": "paris",
                "returned_at": "2024-03-05T10:00:00Z",
                "lines": [{"line_number": 2, "quantity": 1}],
            },
            {
                "source": "pos",
                "external_reference": "R2",
                "order": {"source": "pos", "external_reference": "404"},
                "channel": "store",
                "lines": [{"line_number": 1, "quantity": 1}],
            },
        ],
    )
    pickups = jsonl(
        tmp_path / "pickups.jsonl",
        [{"order": {"source": "pos", "external_reference": "2"}, "store": "paris"}],
    )
    import_history(str(orders), "--kind", "orders", "--no-lifecycle")

    returns_output = import_history(str(returns), "--kind", "returns", "--no-lifecycle")
    pickups_output = import_history(str(pickups), "--kind", "pickups", "--no-lifecycle")

    assert "created: 1" in returns_output
    assert "error: 1" in returns_output
    assert "line 2: order: Unknown order pos/404." in returns_output
    returned = Return.objects.get(external_reference="R1")
    assert (returned.refund_amount, returned.returned_at) == (
        Decimal("110.00"),
        datetime.datetime(2024, 3, 5, 10, 0, tzinfo=UTC),
    )
    assert "created: 1" in pickups_output
    assert Pickup.objects.get().order.external_reference == "2"
    # Again: both are known, nothing is added.
    HistoryImport.objects.all().delete()
    again = import_history(str(returns), "--kind", "returns", "--no-lifecycle")
    assert "unchanged: 1" in again
    assert Return.objects.count() == 1


# Dry run and errors file --------------------------------------------------------------------


@pytest.fixture
def file_with_bad_records(tmp_path: Path) -> Path:
    path = tmp_path / "orders.jsonl"
    good = [json.dumps(order_record(str(n))) for n in (1, 2)]
    unknown = json.dumps(order_record("3", lines=[{"sku": "NOPE", "quantity": 1, "unit_price": 1}]))
    no_time = json.dumps({**order_record("4"), "placed_at": "2024-03-01T10:00:00"})
    path.write_text("\n".join([good[0], "{not json", unknown, "", no_time, good[1]]) + "\n")
    return path


@pytest.mark.django_db
def test_dry_run_reports_errors_with_line_numbers_and_writes_nothing(
    catalogue: None, file_with_bad_records: Path
) -> None:
    output = import_history(str(file_with_bad_records), "--kind", "orders", "--dry-run")

    assert "5 records checked" in output, output
    assert "created: 2" in output
    assert "error: 3" in output
    assert "line 2: non_field_errors: This line is not valid JSON" in output
    assert "line 3: lines: Unknown product SKU: NOPE." in output
    assert "line 5: placed_at:" in output
    assert "Dry run: nothing was written." in output
    assert not Order.objects.exists()
    assert not Customer.objects.exists()
    assert not HistoryImport.objects.exists()


@pytest.mark.django_db
def test_refused_records_go_to_the_errors_file_the_others_are_written(
    catalogue: None, file_with_bad_records: Path, tmp_path: Path
) -> None:
    errors = tmp_path / "refused.csv"

    output = import_history(
        str(file_with_bad_records), "--kind", "orders", "--errors", str(errors), "--no-lifecycle"
    )

    assert "3 records refused" in output
    assert sorted(Order.objects.values_list("external_reference", flat=True)) == ["1", "2"]
    rows = errors_rows(errors)
    assert [(row["line"], row["field"]) for row in rows] == [
        ("2", "non_field_errors"),
        ("3", "lines"),
        ("5", "placed_at"),
    ]
    assert rows[1]["reasons"] == "Unknown product SKU: NOPE."


@pytest.mark.django_db
def test_errors_of_a_csv_order_name_all_its_rows(catalogue: None, tmp_path: Path) -> None:
    header = ["source", "external_reference", "channel", "placed_at", "lines.sku"]
    header += ["lines.quantity", "lines.unit_price"]
    rows = [
        ["web", "A", "web", "2024-05-02T08:00:00Z", "TRENCH", "1", "890.00"],
        ["web", "B", "web", "2024-05-02T08:00:00Z", "TRENCH", "1", "890.00"],
        ["web", "B", "", "", "SCARF", "0", "120.00"],
    ]
    path = csv_file(tmp_path / "orders.csv", header, rows)

    import_history(str(path), "--kind", "orders", "--no-lifecycle")

    (row,) = errors_rows(Path(f"{path}.errors.csv"))
    assert (row["line"], row["lines"], row["field"]) == ("3", "3 4", "lines.1.quantity")


# Resuming -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_import_resumes_without_writing_a_record_twice(
    catalogue: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = jsonl(tmp_path / "orders.jsonl", [order_record(str(n)) for n in range(1, 8)])
    real_writer = chunks.WRITERS["orders"]
    calls = []

    def crashing_on_the_second_chunk(records: list[dict]) -> list:
        calls.append(len(records))
        results = real_writer(records)  # written, then lost: the chunk's transaction rolls back
        if len(calls) == 2:
            raise ConnectionError("the database went away")
        return results

    monkeypatch.setitem(chunks.WRITERS, "orders", crashing_on_the_second_chunk)
    with pytest.raises(
        CommandError, match="1 of 3 chunks failed and wrote nothing; 1 are"
    ) as failure:
        import_history(str(path), "--kind", "orders", "--chunk-size", "3", "--no-lifecycle")

    assert "chunk 1 (line 4): ConnectionError: the database went away" in str(failure.value)
    # The run stopped at the failed chunk: the next one was not tried.
    assert sorted(Order.objects.values_list("external_reference", flat=True)) == list("123")
    monkeypatch.setitem(chunks.WRITERS, "orders", real_writer)

    output = import_history(str(path), "--kind", "orders", "--chunk-size", "3", "--no-lifecycle")

    assert "Resuming: 1 of 3 chunks" in output
    assert "created: 7" in output  # each record once, over the two runs
    assert Order.objects.count() == 7
    assert Customer.objects.count() == 7
    statuses = HistoryImportChunk.objects.order_by("number").values_list("status", flat=True)
    assert list(statuses) == ["done", "done", "done"]


@pytest.mark.django_db(transaction=True)
def test_a_chunk_is_written_once_whoever_runs_it(catalogue: None, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "orders.jsonl", [order_record("1"), order_record("2")])
    history_import = chunks.history_import_open(
        path, kind="orders", file_format=JSON_LINES, chunk_records=10, options={}
    )
    (span,) = JsonLinesReader().spans(str(path), 10)

    assert chunks.chunk_run(history_import, span) == "done"
    assert chunks.chunk_run(history_import, span) == "skipped"
    assert Order.objects.count() == 2


# Bad files and options ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "arguments", "message"),
    [
        ("missing.jsonl", None, [], "No file"),
        ("orders.txt", "x", [], "Cannot tell the format of orders.txt"),
        ("orders.csv", "source,channel\n", [], "Missing columns: external_reference"),
        ("orders.jsonl", "{}\n", ["--chunk-size", "0"], "--chunk-size must be positive"),
        ("woo.csv", ",".join(WOOCOMMERCE_HEADER) + "\n", [], "give the shop's --time-zone"),
        ("shop.csv", "Name\n", ["--format", "shopify-csv"], "Missing columns: Created at"),
        (
            "c.csv",
            "Name,Lineitem sku\n",
            ["--format", "shopify-csv", "--kind", "customers"],
            "holds orders",
        ),
        ("woo.csv", "order_id,item_sku\n", ["--time-zone", "Mars/Olympus"], "Mars/Olympus"),
    ],
)
def test_bad_files_and_options_are_refused_before_anything_is_written(
    tmp_path: Path, name: str, content: str | None, arguments: list[str], message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    kind = [] if "--kind" in arguments else ["--kind", "orders"]

    with pytest.raises(CommandError, match=message):
        import_history(str(path), *kind, *arguments)

    assert not HistoryImport.objects.exists()


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(CommandError, match="invalid choice"):
        import_history("orders.jsonl", "--kind", "wishlists")


def test_spans_cover_every_line_once(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "orders.jsonl", [{"n": n} for n in range(10)])

    spans = list(JsonLinesReader().spans(str(path), 4))

    assert [(span.first_line, span.records) for span in spans] == [(1, 4), (5, 4), (9, 2)]
    lines = [r.line for span in spans for r in JsonLinesReader().read(str(path), span)]
    assert lines == list(range(1, 11))
    assert isinstance(spans[0], ChunkSpan)


# Celery fan-out -----------------------------------------------------------------------------


@pytest.fixture
def import_worker(transactional_db: None) -> Iterator[Path]:
    """A real worker (tests/integrations/test_celery_worker.py) that also loads the import's
    task module, as workers will once journeys/tasks.py imports it."""
    from tests.integrations import test_celery_worker as worker_test

    url = os.environ.get("CELERY_TEST_BROKER_URL") or "redis://127.0.0.1:6379/5"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip(f"No Redis at {url}")
    queue = f"omni-import-test-{uuid.uuid4().hex[:10]}"
    log = Path(tempfile.mkstemp(prefix="celery-import-", suffix=".log")[1])
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "omni.settings_test",
        "DATABASE_URL": worker_test._test_database_url(),
        "CELERY_BROKER_URL": url,
    }
    command = [sys.executable, "-m", "celery", "-A", "omni", "worker", "--pool=solo"]
    command += ["-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle"]
    command += ["--without-heartbeat", "--loglevel=INFO", "-I", "journeys.history_import.tasks"]
    with log.open("wb") as output:
        worker = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=environment, stdout=output, stderr=output
        )
    worker_test._use_broker(task_always_eager=False, broker_url=url, task_default_queue=queue)
    try:
        yield log
    finally:
        worker_test._use_broker(task_always_eager=True, broker_url="", task_default_queue="celery")
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        # The queue and the bindings kombu made for it.
        redis.Redis.from_url(url).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )
        log.unlink(missing_ok=True)


@pytest.mark.django_db(transaction=True)
def test_chunks_fanned_out_to_a_real_celery_worker(
    catalogue: None, tmp_path: Path, import_worker: Path
) -> None:
    path = orders_with_line_5_broken(tmp_path, 7)
    errors = tmp_path / "errors.csv"

    output = import_history(
        str(path),
        "--kind",
        "orders",
        "--chunk-size",
        "2",
        "--celery",
        "--timeout",
        "60",
        "--errors",
        str(errors),
        "--no-lifecycle",
    )

    assert "created: 6" in output, import_worker.read_text()
    assert Order.objects.count() == 6
    assert HistoryImportChunk.objects.filter(status="done").count() == 4
    assert "history_import_chunk_task" in import_worker.read_text()
    assert [row["line"] for row in errors_rows(errors)] == ["5"]


def test_statistics_are_refreshed_each_time_the_import_may_have_quadrupled() -> None:
    assert [number for number in range(1, 300) if statistics_due(number)] == [1, 4, 16, 64, 256]


@pytest.mark.django_db
def test_statistics_refresh_runs_on_every_database() -> None:
    for kind in HistoryKind.values:
        statistics_refresh(kind)


@pytest.mark.django_db(transaction=True)
def test_a_killed_import_resumes_without_writing_a_record_twice(
    catalogue: None, tmp_path: Path
) -> None:
    from tests.integrations import test_celery_worker as worker_test

    count = 300
    path = jsonl(tmp_path / "orders.jsonl", [order_record(str(n)) for n in range(count)])
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "omni.settings_test",
        "DATABASE_URL": worker_test._test_database_url(),
        "OMNI_ENV_FILE": os.devnull,  # not a developer's .env
    }
    command = [sys.executable, "manage.py", "import_history", str(path), "--kind", "orders"]
    command += ["--chunk-size", "5", "--no-lifecycle", "--no-progress"]
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=environment)
    deadline = time.monotonic() + 60
    while HistoryImportChunk.objects.count() < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()  # mid-import, most likely mid-chunk
    process.wait()
    written_before = HistoryImportChunk.objects.count()
    assert 3 <= written_before < count // 5
    assert Order.objects.count() == 5 * written_before  # whole chunks only

    output = import_history(str(path), "--kind", "orders", "--chunk-size", "5", "--no-lifecycle")

    assert f"Resuming: {written_before} of {count // 5} chunks" in output
    assert f"created: {count}" in output
    assert Order.objects.count() == count
    assert Customer.objects.count() == count


@pytest.mark.django_db(transaction=True)
def test_chunks_shared_by_forked_processes_are_each_written_once(
    catalogue: None, tmp_path: Path
) -> None:
    from django.db import connection

    path = orders_with_line_5_broken(tmp_path, 11)
    errors = tmp_path / "errors.csv"
    arguments = [str(path), "--kind", "orders", "--chunk-size", "2", "--jobs", "2"]
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="--jobs needs PostgreSQL"):
            import_history(*arguments)
        assert not HistoryImport.objects.exists()
        return

    output = import_history(*arguments, "--errors", str(errors))

    assert "created: 10" in output
    assert sorted(Order.objects.values_list("external_reference", flat=True), key=int) == [
        str(n) for n in range(1, 12) if n != 5
    ]
    assert HistoryImportChunk.objects.filter(status="done").count() == 6
    assert [row["line"] for row in errors_rows(errors)] == ["5"]
    # The lifecycle recompute that follows ran in processes too: every customer has a stage.
    assert not Customer.objects.filter(lifecycle_stage="reach").exists()

    again = import_history(*arguments, "--errors", str(errors), "--no-lifecycle")

    assert "Resuming: 6 of 6 chunks" in again
    assert Order.objects.count() == 10


@pytest.mark.usefixtures("catalogue", "restored_collector")
def test_the_import_runs_with_the_cycle_collector_tuned_for_big_batches(tmp_path: Path) -> None:
    """Chunks of thousands of records: with Python's default thresholds the cycle collector
    walked every object of the process many times a chunk (a quarter of the import's time)."""
    gc.set_threshold(700, 10, 10)
    path = jsonl(tmp_path / "orders.jsonl", [order_record("GC-1")])
    import_history(str(path), "--kind", "orders", "--no-lifecycle")
    assert gc.get_threshold() == (YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)
    assert Order.objects.filter(external_reference="GC-1").exists()
