import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from omni.environment import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]


def _manage(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    # Only what each test gives: not the test settings' DJANGO_* and OMNI_* defaults, nor a
    # developer's .env (no file unless the test names one).
    clean = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "OMNI_"))
    }
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "omni.settings",
            "OMNI_ENV_FILE": os.devnull,
            **environment,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_configuration_passes_check_deploy_without_warnings() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="omni.example.com",
        DATABASE_URL="postgres://omni@127.0.0.1:5432/omni",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        OMNI_CACHE_URL="redis://127.0.0.1:6379/1",
        OMNI_ENCRYPTION_KEYS="GGfv_WDUq2JOUc6zBMlDNQnNA7UOSZpBVlmCis2qelU=",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = _manage("check", DJANGO_ALLOWED_HOSTS="omni.example.com")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr
    assert "make run" in result.stderr  # and how to develop without one
    assert "Traceback" not in result.stderr  # the message, not a stack


def test_a_checkout_runs_commands_with_the_env_file_make_run_writes(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text((ROOT / ".env.example").read_text())  # what `make run` copies
    result = _manage("check", OMNI_ENV_FILE=str(env_file))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_DEBUG=1\n")
    result = _manage("check", OMNI_ENV_FILE=str(env_file), DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_a_malformed_env_file_stops_manage_py_with_its_line(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_DEBUG=1\nthis is not a setting\n")
    result = _manage("check", OMNI_ENV_FILE=str(env_file))
    assert result.returncode != 0
    assert "Error in the .env file" in result.stderr
    assert "line 2" in result.stderr


def test_env_file_format(tmp_path: Path) -> None:
    from manage import env_file_read

    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n\n"
        "DJANGO_DEBUG=1\n"
        "export DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/omni'\n"
        'OMNI_CACHE_URL="redis://127.0.0.1:6379/1 # kept"\n'
        "DJANGO_LOG_LEVEL=DEBUG  # said after\n"
        "EMPTY=\n"
    )
    assert env_file_read(env_file) == {
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/omni",
        "OMNI_CACHE_URL": "redis://127.0.0.1:6379/1 # kept",
        "DJANGO_LOG_LEVEL": "DEBUG",
        "EMPTY": "",
    }
    assert env_file_read(tmp_path / "missing") == {}


def test_a_mistyped_boolean_fails_loudly() -> None:
    result = _manage("check", DJANGO_DEBUG="ture")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='ture' is not a boolean" in result.stderr


def test_environment_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNI_TEST_FLAG", "yes")
    monkeypatch.setenv("OMNI_TEST_NUMBER", "12")
    monkeypatch.setenv("OMNI_TEST_LIST", "a.example, b.example,")
    assert env_bool("OMNI_TEST_FLAG", default=False) is True
    assert env_int("OMNI_TEST_NUMBER", default=0) == 12
    assert env_list("OMNI_TEST_LIST", default=[]) == ["a.example", "b.example"]
    assert env_str("OMNI_TEST_MISSING", "fallback") == "fallback"
    monkeypatch.setenv("OMNI_TEST_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured, match="is not an integer"):
        env_int("OMNI_TEST_NUMBER", default=0)


def test_tasks_run_in_process_without_a_broker_and_time_zone_is_paris(settings) -> None:
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.CELERY_BROKER_URL)
