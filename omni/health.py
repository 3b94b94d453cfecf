"""Health checks for load balancers, orchestrators and the person on call.

`/health/live` says the process answers (no database, nothing else). `/health/ready` and
`manage.py health_check` run the readiness checks below, each answering a short word:

- database: a `SELECT 1` on the default database;
- cache: a ping of the Redis cache (rate limit counters) with a one-second timeout, when the
  cache is Redis ("not used" otherwise);
- broker: a ping of Celery's broker with a one-second timeout ("not used" when tasks run
  in-process, without CELERY_BROKER_URL);
- migrations: every migration applied (remembered once true: a running process's code does not
  change, so later checks cost nothing);
- worker: a Celery worker's heartbeat fresher than three OMNI_WORKER_HEARTBEAT_SECONDS
  (omni.worker_health writes them). Reported always; it fails readiness only when asked
  (OMNI_HEALTH_REQUIRE_WORKER, `?worker=1`, `health_check --workers`), as the web processes
  serve pages without a worker.

What a check answers never names a host, a password, a version or an exception's text: only
"ok", "not used", "unreachable", "pending", "missing" or "unknown" (not checked because the
database is down). Failures are logged with the check's name and the error's class.
"""

import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import QuerySet
from django.utils import timezone
from kombu import Connection

from omni.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

OK = "ok"
NOT_USED = "not used"
UNREACHABLE = "unreachable"
PENDING = "pending"
MISSING = "missing"
UNKNOWN = "unknown"
# Enough for a server on the same network; a probe's own timeout should allow a few of these.
PING_TIMEOUT_SECONDS = 1.0
# A worker's heartbeat older than this many beats is stale (one late beat is not a death).
STALE_AFTER_BEATS = 3


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]
    failing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failing

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {"status": "ok" if self.ok else "unavailable"}
        body["checks"] = self.checks
        if self.failing:
            body["failing"] = self.failing
        return body


def readiness(*, require_worker: bool = False) -> Readiness:
    """Run every check; the ones that fail readiness are listed in `failing`."""
    checks = {"database": check_database()}
    database_up = checks["database"] == OK
    checks["cache"] = check_cache()
    checks["broker"] = check_broker()
    checks["migrations"] = check_migrations() if database_up else UNKNOWN
    checks["worker"] = check_worker() if database_up else UNKNOWN
    failing = [
        name
        for name, answer in checks.items()
        if answer not in (OK, NOT_USED, UNKNOWN) and (name != "worker" or require_worker)
    ]
    return Readiness(checks=checks, failing=failing)


def check_database() -> str:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # Whatever the driver raises, the answer is the same.
        _log_failure("database", error)
        return UNREACHABLE
    return OK


def check_cache() -> str:
    if not isinstance(caches["default"], RedisCache):
        return NOT_USED
    location = settings.CACHES["default"]["LOCATION"]
    servers = re.split("[;,]", location) if isinstance(location, str) else list(location)
    # The first server is the one written to (the others are read replicas).
    return _redis_ping("cache", servers[0])


def check_broker() -> str:
    url = settings.CELERY_BROKER_URL
    if not url:
        return NOT_USED
    first = url.split(";")[0].strip()  # Celery takes a list of fail-over brokers.
    if first.startswith(("redis://", "rediss://", "unix://")):
        return _redis_ping("broker", first)
    try:
        with Connection(first, connect_timeout=PING_TIMEOUT_SECONDS) as connection:
            connection.connect()
    except Exception as error:
        _log_failure("broker", error)
        return UNREACHABLE
    return OK


class _MigrationsState:
    """Whether every migration was found applied, once: then never looked at again."""

    def __init__(self) -> None:
        self.applied = False
        self.lock = threading.Lock()

    def forget(self) -> None:
        self.applied = False


migrations_state = _MigrationsState()


def check_migrations() -> str:
    if migrations_state.applied:
        return OK
    with migrations_state.lock:  # Threads of one process load the migration files once.
        if migrations_state.applied:
            return OK
        try:
            executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as error:
            _log_failure("migrations", error)
            return UNKNOWN
        if plan:
            return PENDING
        migrations_state.applied = True
        return OK


def check_worker(now: datetime | None = None) -> str:
    if not settings.CELERY_BROKER_URL:
        return NOT_USED
    try:
        alive = fresh_heartbeats(now).exists()
    except Exception as error:
        _log_failure("worker", error)
        return UNKNOWN
    return OK if alive else MISSING


# Workers' heartbeats (written by omni.worker_health on the workers) --------------------------


def heartbeat_record(worker: str, *, starting: bool = False) -> None:
    """The worker `worker` (its Celery node name, unique per worker) is alive (one upsert)."""
    now = timezone.now()
    WorkerHeartbeat.objects.bulk_create(
        [WorkerHeartbeat(worker=worker, started_at=now, last_seen_at=now)],
        update_conflicts=True,
        unique_fields=["worker"],
        update_fields=["last_seen_at", "started_at"] if starting else ["last_seen_at"],
    )


def heartbeat_forget(worker: str) -> None:
    """The worker stopped (a clean shutdown): it is no longer counted."""
    WorkerHeartbeat.objects.filter(worker=worker).delete()


def heartbeats_forget_stale(now: datetime | None = None) -> int:
    """Rows of workers gone without a clean shutdown (killed, host lost), a day later."""
    cutoff = (now or timezone.now()) - timedelta(days=1)
    deleted, _by_model = WorkerHeartbeat.objects.filter(last_seen_at__lt=cutoff).delete()
    return deleted


def fresh_heartbeats(now: datetime | None = None) -> QuerySet[WorkerHeartbeat]:
    """The workers whose last heartbeat is recent enough to count them alive."""
    stale_after = timedelta(seconds=STALE_AFTER_BEATS * settings.OMNI_WORKER_HEARTBEAT_SECONDS)
    return WorkerHeartbeat.objects.filter(last_seen_at__gte=(now or timezone.now()) - stale_after)


# Redis ---------------------------------------------------------------------------------------

_redis_clients: dict[str, redis.Redis] = {}


def _redis_ping(check: str, url: str) -> str:
    try:
        client = _redis_clients.get(url)
        if client is None:
            client = _redis_clients[url] = redis.Redis.from_url(
                url,
                socket_connect_timeout=PING_TIMEOUT_SECONDS,
                socket_timeout=PING_TIMEOUT_SECONDS,
            )
        client.ping()
    except Exception as error:
        _log_failure(check, error)
        return UNREACHABLE
    return OK


def _log_failure(check: str, error: Exception) -> None:
    # The class only: a driver's message may name the host or the user.
    logger.warning("Health check %s failed: %s", check, type(error).__name__)
