"""Telling a waiting run page that its run changed, through Redis publish/subscribe.

The worker publishes after each status change is committed; the page's poll request subscribes,
reads the run, and when nothing changed yet waits for a message (at most `hold` seconds) before
it answers. A finished run thus shows within milliseconds instead of up to a polling interval
later. Redis is an optimisation here, never a requirement: without it the wait falls back to
re-reading the database every POLL_SECONDS, and publishing silently does nothing.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

import redis
from django.conf import settings

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.1
SOCKET_TIMEOUT = 0.5
T = TypeVar("T")


def channel(run_id: int) -> str:
    return f"connectorhub:run:{run_id}"


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
    )


def publish(run_id: int, status: str) -> None:
    """Announce that run RUN_ID is now STATUS (after the change is committed)."""
    try:
        _client(settings.REDIS_URL).publish(channel(run_id), status)
    except redis.RedisError as exc:
        logger.debug("run %s: cannot publish %s: %s", run_id, status, exc)


def wait_for_change(
    run_id: int, read: Callable[[], T], unchanged: Callable[[T], bool], hold: float
) -> T:
    """READ the run; while UNCHANGED(value), wait up to HOLD seconds for news and read again.

    Subscribing happens before the first read, so a change committed in between is not missed.
    """
    deadline = time.monotonic() + hold
    try:
        pubsub = _client(settings.REDIS_URL).pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(channel(run_id))
    except redis.RedisError:
        return _poll(read, unchanged, deadline)
    try:
        value = read()
        while unchanged(value):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if pubsub.get_message(timeout=min(left, SOCKET_TIMEOUT)) is not None:
                value = read()
        return value
    except redis.RedisError:
        return _poll(read, unchanged, deadline)
    finally:
        with contextlib.suppress(redis.RedisError):
            pubsub.close()


def _poll(read: Callable[[], T], unchanged: Callable[[T], bool], deadline: float) -> T:
    value = read()
    while unchanged(value) and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        value = read()
    return value
