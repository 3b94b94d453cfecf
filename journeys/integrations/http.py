"""Talking to a shop's REST API: rate limits (429 → wait Retry-After) and transient failures.

A request is retried a few times with exponential backoff on 429, 5xx and network errors; after
that `ShopUnavailable` is raised and the caller records it (the next run starts again).
"""

import logging
import time

import httpx

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LONGEST_WAIT_SECONDS = 30.0
TIMEOUT = httpx.Timeout(20.0, connect=5.0)


class ShopUnavailable(Exception):  # noqa: N818 - reads better at the raise site than ...Error
    """The shop kept failing or limiting us; try again later."""


def _wait_seconds(response: httpx.Response | None, attempt: int) -> float:
    backoff = min(2.0**attempt, LONGEST_WAIT_SECONDS)
    if response is None:
        return backoff
    try:
        requested = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return backoff
    return min(max(requested, 0.0), LONGEST_WAIT_SECONDS)


def request_with_retries(
    client: httpx.Client, method: str, url: str, **options: object
) -> httpx.Response:
    for attempt in range(MAX_ATTEMPTS):
        try:
            response = client.request(method, url, **options)
        except httpx.TransportError as error:
            problem, response = f"{type(error).__name__}: {error}", None
        else:
            if response.status_code != 429 and response.status_code < 500:
                response.raise_for_status()
                return response
            problem = f"HTTP {response.status_code}"
        if attempt + 1 < MAX_ATTEMPTS:
            wait = _wait_seconds(response, attempt)
            logger.info("%s %s: %s; retrying in %.1f s", method, url, problem, wait)
            time.sleep(wait)
    raise ShopUnavailable(f"{method} {url}: {problem} after {MAX_ATTEMPTS} attempts")
