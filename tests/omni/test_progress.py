"""Progress bars on long commands (issue 12): rate and time left on a terminal, nothing in a
pipe, a file or with --no-progress / -v 0; the commands' summary lines stay on stdout."""

import io
import re
import threading

import pytest
from django.core.management import call_command

from customers.factories import CustomerFactory

# tqdm's rate, as '12.34 customers/s' (or '?customers/s' before the first update).
RATE = re.compile(r"\d+(\.\d+)? ?(customers|tables)/s")


class Terminal(io.StringIO):
    """stderr as a terminal would be, for the command's isatty() check."""

    def isatty(self) -> bool:
        return True


def run(command: str, stderr: io.StringIO, *arguments: str) -> str:
    stdout = io.StringIO()
    call_command(command, *arguments, stdout=stdout, stderr=stderr)
    return stdout.getvalue()


@pytest.mark.django_db
def test_lifecycle_recompute_draws_a_bar_with_its_rate_on_a_terminal() -> None:
    CustomerFactory.create_batch(5)
    terminal = Terminal()
    threads = {thread.name for thread in threading.enumerate()}

    summary = run("lifecycle_recompute", terminal, "--batch-size", "2")

    # The bar started no thread (tqdm's monitor): the command forks workers with --jobs.
    assert {thread.name for thread in threading.enumerate()} <= threads

    bar = terminal.getvalue()
    assert "100%" in bar
    assert "5/5" in bar
    assert RATE.search(bar), bar
    assert "5 customers in" in summary
    assert "%|" not in summary


@pytest.mark.django_db
def test_insights_rebuild_names_its_tables_on_the_bar() -> None:
    terminal = Terminal()

    summary = run("insights_rebuild", terminal)

    bar = terminal.getvalue()
    assert "insights_salesdaily" in bar
    assert RATE.search(bar), bar
    assert "Rebuilt 17 tables" in summary


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stderr", "arguments"),
    [
        (io.StringIO(), ()),  # a pipe or a file
        (Terminal(), ("--no-progress",)),
        (Terminal(), ("--verbosity", "0")),
    ],
    ids=["not-a-terminal", "no-progress", "verbosity-0"],
)
def test_no_bar_off_a_terminal_or_when_asked(stderr: io.StringIO, arguments: tuple) -> None:
    CustomerFactory.create_batch(3)

    summary = run("lifecycle_recompute", stderr, *arguments)

    assert stderr.getvalue() == ""
    assert "3 customers in" in summary


@pytest.mark.django_db
def test_lifecycle_recompute_keeps_its_old_quiet_progress_option() -> None:
    """bench_ingest runs it with --quiet-progress."""
    terminal = Terminal()
    run("lifecycle_recompute", terminal, "--quiet-progress")
    assert terminal.getvalue() == ""


@pytest.mark.django_db
def test_seed_demo_prints_a_short_summary_a_newcomer_can_read() -> None:
    terminal = Terminal()

    summary = run("seed_demo", terminal, "--customers", "40", "--allow-without-debug")

    bar = terminal.getvalue()
    assert "Seeding" in bar
    assert "9/9" in bar
    assert "steps/s" in bar
    assert "search vocabulary" in bar
    lines = summary.splitlines()
    assert lines[0].startswith("Demo retailer seeded in ")
    assert "40 customers" in lines[0]
    assert lines[1].startswith("Head-office triggers, first run: ")
    # No internal names: enum members, dicts, table names or a log line from the builders.
    for internal in ("FiringOutcome", "{", "insights_", "Trigger 1 run by", "_no_consent"):
        assert internal not in summary, internal
    assert "Rows in each demo table" not in summary  # with -v 2 only
