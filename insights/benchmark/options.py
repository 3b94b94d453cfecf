"""What the benchmark commands that can build their dataset first share (`bench_dashboards`,
`clienteling`'s `bench_scale`): the generation options and running it."""

import datetime
import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import CommandError, CommandParser

from insights.benchmark.dataset import HEAVY_CUSTOMERS, BenchmarkRefusedError, generate_dataset
from omni.progress import StepBar, lines_above, progress_argument_add, progress_bar


def add_generation_arguments(parser: CommandParser) -> None:
    parser.add_argument("--generate", action="store_true", help="Generate the dataset first.")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=5_000_000)
    parser.add_argument(
        "--heavy-customers",
        type=int,
        default=HEAVY_CUSTOMERS,
        help="Customers with 20,000+ timeline items each (their orders come on top).",
    )
    parser.add_argument(
        "--anchor",
        type=datetime.date.fromisoformat,
        help="Last day of the generated history (default: today, UTC).",
    )
    parser.add_argument(
        "--reset-benchmark",
        action="store_true",
        help="Allow generating on a database holding other customers (they are erased).",
    )
    progress_argument_add(parser)


def generate_from_options(options: dict[str, Any], log: Callable[[str], None]) -> None:
    """Generate the dataset the options describe; a refusal becomes the command's error.
    On a terminal, a bar on stderr shows the step under way (see omni.progress)."""
    with progress_bar(sys.stderr, options, total=None, unit="steps") as bar:
        steps = StepBar(bar)
        try:
            generate_dataset(
                customers=options["customers"],
                orders=options["orders"],
                heavy_customers=options["heavy_customers"],
                anchor=options["anchor"],
                reset=options["reset_benchmark"],
                log=lines_above(bar, log),
                step=lambda label, most: steps(label, total=most),
            )
        except BenchmarkRefusedError as refusal:
            raise CommandError(str(refusal)) from refusal
        steps.finish()
