"""Producers kept across jobs, one per identical connection settings and egress policy.

A fresh librdkafka producer spends about 50 ms before its first metadata answer; Camunda's
KafkaConnectorFunction pays the same (it opens and closes a producer per execution). Here a
producer that delivered its record is handed back and lent to the next job with the same full
librdkafka configuration (credentials included, kept only as a digest in the key) under the
same address policy. Nothing about the network check is kept: every job still resolves its
bootstrap servers and every broker the cluster advertises through its own `context.network`
(producer.py). A producer is lent to one job at a time; a job that fails drops its producer.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import KafkaError, Producer

LOG = logging.getLogger("connectors.builtin.kafka.producer")
IDLE_SECONDS = 60.0  # an idle producer keeps sockets and a librdkafka thread: not for long
MAX_IDLE = 4  # few distinct connections are used at once; more are closed, oldest first


@dataclass
class Lent:
    """A producer and the errors its error_cb collects (emptied for each job)."""

    producer: Producer
    errors: list[KafkaError]
    key: Hashable
    idle_since: float = field(default=0.0)


def settings_key(config: dict[str, Any], policy: object) -> Hashable:
    """The pool's key: a digest of every setting (so no password sits in it) and the policy."""
    text = repr(sorted((str(k), repr(v)) for k, v in config.items()))
    return hashlib.sha256(text.encode()).hexdigest(), policy


class ProducerPool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[Lent] = []
        self.created = 0  # producers made so far: tests and the bench read it
        self._pid = os.getpid()
        self._orphans: list[Lent] = []
        self._sweeper: threading.Timer | None = None

    def borrow(self, config: dict[str, Any], policy: object) -> Lent:
        """An idle producer with the same settings and policy, else a new one (which raises
        what librdkafka raises for settings it refuses)."""
        key = settings_key(config, policy)
        with self._lock:
            self._after_fork()
            self._expire(time.monotonic())
            for index, lent in enumerate(self._idle):
                if lent.key == key:
                    del self._idle[index]
                    lent.producer.poll(0)  # errors of the idle time are served, then forgotten
                    lent.errors.clear()
                    return lent
        errors: list[KafkaError] = []
        producer = Producer({**config, "error_cb": errors.append, "logger": LOG})
        with self._lock:
            self.created += 1
        return Lent(producer, errors, key)

    def give_back(self, lent: Lent) -> None:
        lent.idle_since = time.monotonic()
        with self._lock:
            self._idle.append(lent)
            while len(self._idle) > MAX_IDLE:
                _close(self._idle.pop(0))
            self._schedule()

    def idle(self) -> int:
        with self._lock:
            return len(self._idle)

    def clear(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for lent in idle:
            _close(lent)

    def _schedule(self) -> None:
        """Close idle producers even when no job comes again (called under the lock)."""
        if self._sweeper is None and self._idle:
            self._sweeper = threading.Timer(IDLE_SECONDS, self._sweep)
            self._sweeper.daemon = True
            self._sweeper.start()

    def _sweep(self) -> None:
        with self._lock:
            self._sweeper = None
            self._expire(time.monotonic())
            self._schedule()

    def _after_fork(self) -> None:
        # a forked child (a prefork worker) cannot use its parent's handles, and destroying
        # them would wait for librdkafka threads that did not survive the fork: they are
        # kept unused instead
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._orphans.extend(self._idle)
            self._idle, self._sweeper = [], None

    def _expire(self, now: float) -> None:
        old = [lent for lent in self._idle if now - lent.idle_since >= IDLE_SECONDS]
        self._idle = [lent for lent in self._idle if now - lent.idle_since < IDLE_SECONDS]
        for lent in old:
            _close(lent)


def _close(lent: Lent) -> None:
    # only producers whose record was acknowledged are kept, so nothing is left to deliver:
    # the handle is destroyed with its last reference, without serving more log callbacks
    del lent.producer


POOL = ProducerPool()
atexit.register(POOL.clear)
