"""The parts of `bench_ingest` that time other commands: the webhook acknowledgement
(`bench_webhooks`, in-process) and the history import (`import_history`, in a subprocess, on
JSON Lines files written from the benchmark's records).
"""

import contextlib
import datetime
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command, get_commands, load_command_class
from django.db import connection
from kombu import Connection
from kombu.exceptions import OperationalError

from journeys.benchmark.people import PeopleDrawer
from journeys.benchmark.records import (
    BatchChain,
    Catalogue,
    CustomerReference,
    new_customer_record,
)
from omni.celery import app as celery_app

P95 = re.compile(r"p95 ([0-9.]+) ms")
HISTORY_CUSTOMERS = 1_000_000
HISTORY_ORDERS = 5_000_000


@contextlib.contextmanager
def tasks_queued(broker_url: str, queue: str | None = None) -> Iterator[bool]:
    """Within the block, tasks go to `broker_url` (when none is configured and it answers)
    instead of running in-process; with `queue`, to that queue, purged at the end. Yields
    whether tasks are queued."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.task_default_queue)
    switched = bool(conf.task_always_eager and broker_url and _broker_answers(broker_url))
    if switched:
        conf.task_always_eager, conf.broker_url = False, broker_url
        conf.task_default_queue = queue or conf.task_default_queue
    try:
        yield not conf.task_always_eager
    finally:
        if switched and queue:
            with celery_app.connection_for_write() as broker:
                broker.default_channel.queue_purge(queue)
        conf.task_always_eager, conf.broker_url, conf.task_default_queue = saved


def webhook_p95(deliveries: int, warm_up: int, broker_url: str) -> tuple[float, str]:
    """p95 of the acknowledgement in milliseconds, and what `bench_webhooks` printed.

    The acknowledgement is the signature check, the inbox row and the task queued: with no
    broker configured, tasks run in-process before the answer, so `broker_url` (Redis) is used
    for this part when it answers; `bench_webhooks` sends to a queue of its own and purges it."""
    output = _Capture()
    with tasks_queued(broker_url):
        call_command("bench_webhooks", deliveries=deliveries, warm_up=warm_up, stdout=output)
    printed = output.text.strip()
    found = P95.search(printed)
    if found is None:
        raise ValueError(f"bench_webhooks printed no p95: {printed}")
    return float(found.group(1)), printed


def _broker_answers(url: str) -> bool:
    try:
        with Connection(url, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1)
    except (OSError, OperationalError):
        return False
    return True


class _Capture:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def flush(self) -> None:
        pass

    @property
    def text(self) -> str:
        return "".join(self.parts)


# History import --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportTiming:
    kind: str
    records: int
    seconds: float
    command: str

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def import_history_available() -> bool:
    return "import_history" in get_commands()


def write_history_files(
    directory: Path, *, customers: int, orders: int, catalogue: Catalogue, tag: str
) -> tuple[Path, Path]:
    """A customers file and an orders file (JSON Lines, batch API records) naming them."""
    drawer = PeopleDrawer(f"bench-ingest:history:{tag}")
    references = []
    customers_path = directory / "customers.jsonl"
    with customers_path.open("w") as file:
        for number in range(customers):
            person = drawer.draw(20_000_000 + number, email_tag=f".h{tag}.{number}")
            record = new_customer_record(f"history-{tag}-{number}", person)
            references.append(CustomerReference(record["external_id"], record["email"]))
            file.write(json.dumps(record) + "\n")
    chain = BatchChain(
        prefix=f"history-{tag}",
        seed="bench-ingest:history",
        existing=references,
        catalogue=catalogue,
        anchor=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=400),
        phone_offset=30_000_000,
    )
    orders_path = directory / "orders.jsonl"
    with orders_path.open("w") as file:
        for first in range(0, orders, 10_000):
            for record in chain.history(min(10_000, orders - first)):
                file.write(json.dumps(record) + "\n")
    return customers_path, orders_path


def import_arguments(kind: str, path: Path) -> list[str]:
    """The command line of `import_history` for one file, read from its own parser: the option
    whose choices include `kind` says what the file holds; the lifecycle recompute that follows
    an import is left out (timed on its own) and so is the progress bar, when they can be."""
    parser = load_command_class("journeys", "import_history").create_parser(
        "manage.py", "import_history"
    )
    arguments = [str(path)]
    for action in parser._actions:
        if action.choices and kind in action.choices and action.option_strings:
            arguments += [action.option_strings[-1], kind]
        elif set(action.option_strings) & {"--no-lifecycle", "--no-progress"}:
            arguments.append(action.option_strings[-1])
    return arguments


def time_command(kind: str, arguments: Sequence[str], records: int) -> ImportTiming:
    """Run `manage.py <arguments>` on this database in a subprocess and time it."""
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *arguments],
        env={**os.environ, "DATABASE_URL": database_url()},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if finished.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(arguments)} failed ({finished.returncode}): "
            f"{(finished.stderr or finished.stdout)[-800:]}"
        )
    return ImportTiming(kind, records, seconds, "manage.py " + " ".join(arguments))


def time_import(kind: str, path: Path, records: int, jobs: int = 1) -> ImportTiming:
    arguments = ["import_history", *import_arguments(kind, path)]
    if jobs > 1:
        arguments += ["--jobs", str(jobs)]
    return time_command(kind, arguments, records)


def time_lifecycle_recompute(jobs: int = 1) -> ImportTiming | None:
    """The recompute an import leaves out (`--no-lifecycle`), over every customer stored."""
    if "lifecycle_recompute" not in get_commands():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer")
        customers = cursor.fetchone()[0]
    arguments = ["lifecycle_recompute", "--quiet-progress"]
    if jobs > 1:
        arguments += ["--jobs", str(jobs)]
    return time_command("lifecycle", arguments, customers)


def database_url() -> str:
    """The URL of the database this process uses (a test database included)."""
    values: dict[str, Any] = connection.settings_dict
    user = values.get("USER") or ""
    password = f":{values['PASSWORD']}" if values.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = values.get("HOST") or "127.0.0.1"
    port = f":{values['PORT']}" if values.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{values['NAME']}"


def extrapolated_minutes(timings: Sequence[ImportTiming]) -> float:
    """Minutes for 1,000,000 customers and 5,000,000 orders at the measured rates (and a
    lifecycle recompute of 1,000,000 customers, when it was timed on its own)."""
    rates = {timing.kind: timing.rate for timing in timings}
    seconds = HISTORY_CUSTOMERS / rates["customers"] + HISTORY_ORDERS / rates["orders"]
    if "lifecycle" in rates:
        seconds += HISTORY_CUSTOMERS / rates["lifecycle"]
    return seconds / 60
