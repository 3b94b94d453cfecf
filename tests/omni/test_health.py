"""/health/live and /health/ready: open without signing in, never cached, 503 naming the check
that fails, with the database, the cache, the broker or the migrations down, and nothing
sensitive in the body. Dependencies are taken down by pointing at a dead port (127.0.0.1:1)
or a missing file, and restored after each test. The workers' heartbeats from a real worker
and `health_check --workers` are in test_worker_health.py."""

import copy
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings
from django.utils import timezone

from omni.health import heartbeat_record, migrations_state
from omni.models import WorkerHeartbeat

DEAD_REDIS = "redis://:s3cret-broker-password@127.0.0.1:1/0"
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


@pytest.fixture
def redis_url() -> str:
    """The Redis of the Celery tests (CELERY_TEST_BROKER_URL), for a cache and broker up."""
    url = os.environ.get("CELERY_TEST_BROKER_URL") or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CELERY_TEST_BROKER_URL"):
            pytest.fail(f"CELERY_TEST_BROKER_URL={url} does not answer")
        pytest.skip(f"No Redis at {url}")
    return url


@pytest.fixture(autouse=True)
def migrations_checked_anew() -> Iterator[None]:
    """Each test finds out again whether the migrations are applied."""
    migrations_state.forget()
    yield
    migrations_state.forget()


@contextmanager
def unreachable_database() -> Iterator[None]:
    """The default database, as this thread sees it, at a dead address (a missing directory
    for SQLite); the real connection is put back after."""
    original = connections[DEFAULT_DB_ALIAS]
    settings_dict = copy.deepcopy(original.settings_dict)
    if original.vendor == "sqlite":
        settings_dict["NAME"] = "/nonexistent-omni-health-test/omni.sqlite3"
    else:
        settings_dict.update(HOST="127.0.0.1", PORT="1")
    broken = original.__class__(settings_dict, DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = broken
    try:
        yield
    finally:
        broken.close()
        connections[DEFAULT_DB_ALIAS] = original


def get(client: Client, url: str) -> tuple[int, dict]:
    response = client.get(url)
    assert "no-store" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def test_live_answers_without_signing_in_or_the_database(client: Client) -> None:
    # No django_db mark: pytest-django makes any use of the database an error in this test.
    response = client.get("/health/live")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["omni.example.com"])
def test_probes_by_address_over_http_are_answered(client: Client) -> None:
    # An AWS load balancer or the kubelet asks by the server's address over plain HTTP.
    probe = {"HTTP_HOST": "10.1.2.3:8000"}

    assert client.get("/health/live", **probe).status_code == 200
    assert client.get("/health/ready", **probe).status_code == 200
    # Every other page still refuses an unknown host, and redirects to HTTPS.
    assert client.get("/favicon.ico", **probe).status_code == 400
    assert client.get("/favicon.ico", HTTP_HOST="omni.example.com").status_code == 301
    assert client.get("/favicon.ico", HTTP_HOST="omni.example.com")["Location"].startswith(
        "https://"
    )


@pytest.mark.django_db
def test_ready_with_everything_up_in_development_mode(
    client: Client, django_assert_max_num_queries
) -> None:
    # Tests run as development does: tasks in-process, no broker, a per-process cache.
    status, body = get(client, "/health/ready")

    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "cache": "not used",
            "broker": "not used",
            "migrations": "ok",
            "worker": "not used",
        },
    }
    # Once the migrations were found applied, a check is one query.
    with django_assert_max_num_queries(1):
        assert client.get("/health/ready").status_code == 200


@pytest.mark.django_db
def test_ready_is_503_naming_the_database_when_it_is_unreachable(client: Client) -> None:
    with unreachable_database():
        status, body = get(client, "/health/ready")

    assert status == 503
    assert body["status"] == "unavailable"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"] == "unreachable"
    # Not checked without the database, and not counted as failing.
    assert body["checks"]["migrations"] == "unknown"
    # Back to normal once the database is back.
    assert get(client, "/health/ready")[0] == 200


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL=DEAD_REDIS)
def test_ready_is_503_naming_the_broker_and_reveals_nothing_of_it(client: Client) -> None:
    response = client.get("/health/ready")

    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"] == "unreachable"
    text = response.content.decode()
    for secret in ("s3cret", "password", "127.0.0.1", "redis", ":1", "Error", "refused"):
        assert secret not in text


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="amqp://guest:s3cret@127.0.0.1:1//")
def test_a_broker_other_than_redis_is_checked_too(client: Client) -> None:
    status, body = get(client, "/health/ready")

    assert status == 503
    assert body["checks"]["broker"] == "unreachable"
    assert "s3cret" not in json.dumps(body)


@pytest.mark.django_db
@override_settings(
    CACHES={"default": {"BACKEND": REDIS_CACHE, "LOCATION": "redis://:s3cret@127.0.0.1:1/2"}}
)
def test_ready_is_503_naming_the_cache_when_redis_is_down(client: Client) -> None:
    response = client.get("/health/ready")

    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["failing"] == ["cache"]
    assert body["checks"]["cache"] == "unreachable"
    assert "s3cret" not in response.content.decode()


@pytest.mark.django_db
def test_ready_with_redis_as_cache_and_broker_and_a_worker_beating(
    client: Client, redis_url: str
) -> None:
    with override_settings(
        CELERY_BROKER_URL=redis_url,
        CACHES={"default": {"BACKEND": REDIS_CACHE, "LOCATION": redis_url}},
    ):
        without_worker = get(client, "/health/ready")
        worker_required = get(client, "/health/ready?worker=1")
        heartbeat_record("celery@web-1", starting=True)
        with_worker = get(client, "/health/ready?worker=1")

    # No worker: reported, but the web processes stay ready unless asked.
    assert without_worker == (
        200,
        {
            "status": "ok",
            "checks": {
                "database": "ok",
                "cache": "ok",
                "broker": "ok",
                "migrations": "ok",
                "worker": "missing",
            },
        },
    )
    assert worker_required[0] == 503
    assert worker_required[1]["failing"] == ["worker"]
    assert with_worker[0] == 200
    assert with_worker[1]["checks"]["worker"] == "ok"


@pytest.mark.django_db
@override_settings(
    CELERY_BROKER_URL=DEAD_REDIS, OMNI_HEALTH_REQUIRE_WORKER=True, OMNI_WORKER_HEARTBEAT_SECONDS=30
)
def test_a_stale_heartbeat_is_a_missing_worker_when_the_setting_requires_one(
    client: Client,
) -> None:
    heartbeat_record("celery@worker-1", starting=True)
    WorkerHeartbeat.objects.update(last_seen_at=timezone.now() - timedelta(seconds=91))

    status, body = get(client, "/health/ready")

    assert status == 503
    assert body["checks"]["worker"] == "missing"
    assert body["failing"] == ["broker", "worker"]


@pytest.mark.django_db
def test_ready_is_503_naming_the_migrations_when_one_is_not_applied(client: Client) -> None:
    # Rolled back with the test: the latest migration of omni as if not applied yet.
    latest = MigrationRecorder.Migration.objects.filter(app="omni").order_by("-name").first()
    latest.delete()

    status, body = get(client, "/health/ready")

    assert status == 503
    assert body["failing"] == ["migrations"]
    assert body["checks"]["migrations"] == "pending"


@pytest.mark.django_db
def test_ready_refuses_writes(client: Client) -> None:
    assert client.post("/health/ready").status_code == 405
    assert client.head("/health/ready").status_code == 200


@pytest.mark.django_db
def test_health_check_command_prints_each_check(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("health_check")

    assert capsys.readouterr().out.splitlines() == [
        "database: ok",
        "cache: not used",
        "broker: not used",
        "migrations: ok",
        "worker: not used",
    ]


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL=DEAD_REDIS)
def test_health_check_command_fails_naming_what_is_down(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(CommandError, match=r"Not ready: broker, worker, ping\."):
        call_command("health_check", "--workers")

    output = capsys.readouterr().out
    assert "broker: unreachable" in output
    assert "ping: not sent (broker unreachable)" in output
    assert "s3cret" not in output


@pytest.mark.django_db
def test_health_check_command_refuses_a_bad_timeout() -> None:
    with pytest.raises(CommandError, match="--timeout"):
        call_command("health_check", "--workers", "--timeout", "0")
    # Nothing was checked (the connection untouched by a check is still usable).
    assert connection.is_usable()
