#!/usr/bin/env python
"""Django's command-line utility, which first reads the development `.env` file.

`make run` writes `.env` once (`DJANGO_DEBUG=1`; see `.env.example`), so that a checkout runs
its commands without exporting anything. Only manage.py reads it: gunicorn and Celery take their
settings from the environment their service manager gives them, and a variable already set in
the environment always wins over the file. The file is git-ignored: a deployment made from a
clone stays in production mode, and refuses to start without a secret key, unless its operator
writes one. (Read here, before the `omni` package is imported, whose start-up reads settings.)

Format, the common subset: `NAME=value` lines, blank lines and `#` comments, an optional
`export ` before the name, values optionally in single or double quotes (no escapes, no
variable expansion).
"""

import os
import re
import sys
from pathlib import Path

_LINE = re.compile(r"^(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.*)$")


class EnvFileError(ValueError):
    """A line of the file is not `NAME=value`."""


def env_file_read(path: Path) -> dict[str, str]:
    """The variables the file sets; {} when there is no file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    variables: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise EnvFileError(f"{path}, line {number}: expected NAME=value, found {line!r}.")
        value = match["value"].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        variables[match["name"]] = value
    return variables


def env_file_load(path: Path) -> None:
    """Set the file's variables that the environment does not already set."""
    for name, value in env_file_read(path).items():
        os.environ.setdefault(name, value)


def main() -> None:
    env_file = os.environ.get("OMNI_ENV_FILE") or Path(__file__).resolve().parent / ".env"
    try:
        env_file_load(Path(env_file))
    except EnvFileError as error:
        sys.exit(f"Error in the .env file: {error}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omni.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A setting missing or malformed: the message says which and how to fix it.
        sys.exit(f"Configuration error: {error}")


if __name__ == "__main__":
    main()
