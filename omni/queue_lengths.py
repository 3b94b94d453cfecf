"""How many messages wait in each Celery queue, read from the Redis broker: the System status
page, its API and the metrics all read them here.

One round trip (LLEN of every key of every queue, pipelined) with a 1 s timeout, so a page or a
scrape still answers with Redis down. kombu's Redis transport keeps a queue's messages of
priority p (above the lowest step) in the list "<queue><separator><p>": a queue's length is the
sum over its priority steps. The queues are the default one and those the configuration names
(declared queues, routes: see omni.task_queues).
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import redis
from celery import current_app

BROKER_TIMEOUT_SECONDS = 1.0
# kombu's defaults for the Redis transport (broker_transport_options may change them).
KOMBU_PRIORITY_SEPARATOR = "\x06\x16"
KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)


class QueueState(StrEnum):
    IN_PROCESS = "in_process"  # no broker: tasks run in the web process (development)
    MEASURED = "measured"
    UNREACHABLE = "unreachable"
    NOT_MEASURED = "not_measured"  # a broker other than Redis


@dataclass(frozen=True)
class Queues:
    state: QueueState
    depths: dict[str, int] = field(default_factory=dict)  # messages waiting, by queue


def queue_names(conf: Any) -> list[str]:
    """The default queue and every queue named in the declared queues or the routes."""
    names = {conf.task_default_queue}
    for queue in conf.task_queues or ():
        names.add(getattr(queue, "name", queue))
    routes = conf.task_routes
    for route in routes.values() if isinstance(routes, dict) else ():
        queue = route.get("queue") if isinstance(route, dict) else None
        if isinstance(queue, str):
            names.add(queue)
    return sorted(name for name in names if isinstance(name, str) and name)


def _queue_keys(queue: str, options: dict[str, Any]) -> list[str]:
    prefix = options.get("global_keyprefix", "")
    separator = options.get("sep", KOMBU_PRIORITY_SEPARATOR)
    steps = options.get("priority_steps", KOMBU_PRIORITY_STEPS)
    return [prefix + (queue if step == steps[0] else f"{queue}{separator}{step}") for step in steps]


def queue_lengths(conf: Any = None) -> Queues:
    """Messages waiting in each queue, when the broker is Redis."""
    conf = conf or current_app.conf
    url = conf.broker_url or ""
    if conf.task_always_eager or not url:
        return Queues(QueueState.IN_PROCESS)
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        return Queues(QueueState.NOT_MEASURED)
    options = dict(conf.broker_transport_options or {})
    keys = {name: _queue_keys(name, options) for name in queue_names(conf)}
    client = redis.Redis.from_url(
        url,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        retry_on_timeout=False,
    )
    try:
        pipeline = client.pipeline(transaction=False)
        for queue_keys in keys.values():
            for key in queue_keys:
                pipeline.llen(key)
        counts = iter(pipeline.execute())
    except (redis.RedisError, OSError):
        return Queues(QueueState.UNREACHABLE)
    finally:
        client.close()
    return Queues(
        QueueState.MEASURED,
        {name: sum(next(counts) for _key in queue_keys) for name, queue_keys in keys.items()},
    )
