"""Progress bars for long commands (seed_demo, import_history, lifecycle_recompute,
insights_rebuild, the benchmarks' generation): rate and time left on a terminal, nothing
elsewhere.

A bar is drawn on the command's stderr when it is a terminal, unless the command was given
`--no-progress` or `-v 0`; in a pipe, a file, cron or CI the command prints only its usual
summary lines. stdout keeps the results, so `command > report.txt` still shows the bar.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandParser, OutputWrapper
from django.utils.translation import pgettext
from tqdm import tqdm

# No monitor thread: import_history and lifecycle_recompute fork their worker processes while a
# bar is shown, and forking a process that runs a thread may copy a lock that thread held.
tqdm.monitor_interval = 0


def progress_argument_add(parser: CommandParser, *aliases: str) -> None:
    parser.add_argument(
        "--no-progress",
        *aliases,
        dest="no_progress",
        action="store_true",
        help="No progress bar (there is none either when stderr is not a terminal).",
    )


def progress_shown(command: BaseCommand | TextIO, options: dict[str, Any]) -> bool:
    """`command`: a command (the bar goes to its stderr) or the stream itself."""
    stream = command.stderr if isinstance(command, BaseCommand) else command
    return (
        not options.get("no_progress")
        and int(options.get("verbosity", 1)) > 0
        and hasattr(stream, "isatty")
        and stream.isatty()
    )


@contextmanager
def progress_bar(
    command: BaseCommand | TextIO,
    options: dict[str, Any],
    *,
    total: int | None,
    unit: str,
    description: str = "",
) -> Iterator[tqdm]:
    """A tqdm bar over `total` `unit`s (update it with `.update(n)`), or a silent stand-in
    that accepts the same calls when no bar is wanted."""
    shown = progress_shown(command, options)
    bar = tqdm(
        total=total,
        desc=description or None,
        unit=f" {unit}",
        unit_scale=bool(total and total >= 10_000),
        file=_raw_stream(command.stderr if isinstance(command, BaseCommand) else command),
        disable=not shown,
        dynamic_ncols=True,
        mininterval=0.2,
    )
    try:
        yield bar
    finally:
        bar.close()


def _raw_stream(stream: Any) -> Any:
    """Django's OutputWrapper (twice wrapped when a command calls another) would end every
    redraw of the bar with a new line: the bar writes to the stream underneath."""
    while isinstance(stream, OutputWrapper):
        stream = stream._out
    return stream


def lines_above(bar: tqdm, write: Callable[[str], object]) -> Callable[[str], None]:
    """`write` (a command's lines on stdout) made to print above the bar, not through it."""

    def write_above(line: str) -> None:
        bar.clear()
        write(line)
        bar.refresh()

    return write_above


class StepBar:
    """Steps of unequal length (the seed's builders, the aggregate tables, the benchmark's
    SQL steps): the bar counts the steps done and names the one under way."""

    def __init__(self, bar: tqdm) -> None:
        self.bar = bar
        self.current: str | None = None

    def __call__(self, label: str, *, total: int | None = None) -> None:
        """`label` starts: the step before it is done. `total`: how many steps, when only the
        work itself knows."""
        if total is not None and self.bar.total != total:
            self.bar.total = total
        if self.current is not None:
            self.bar.update(1)
        self.current = label
        self.bar.set_description_str(label)

    def finish(self) -> None:
        if self.current is not None:
            self.bar.update(1)
            self.current = None
        self.bar.set_description_str(pgettext("progress bar: every step finished", "done"))
