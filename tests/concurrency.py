"""Run a database action from several threads at once, each on its own connection.

The web server, the Celery worker and the Zeebe worker share one SQLite file; this is how the
tests make their writes meet. Errors are collected and returned, not swallowed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_concurrently(action: Callable[[int, int], object], threads: int, rounds: int) -> list:
    """Call ACTION(thread, round) ROUNDS times in each of THREADS threads started together;
    the exceptions raised, if any."""
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(number: int) -> None:
        try:
            start.wait()
            for round_ in range(rounds):
                action(number, round_)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors
