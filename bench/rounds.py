"""Rotated rounds, the method the throughput benches share (bench_rest, bench_sql, bench_smtp):
every round runs one batch of each variant, in an order rotated from round to round, so no
variant always runs first or last while the machine's load comes and goes."""

from __future__ import annotations

import time
from collections.abc import Callable


def rates(work: dict[str, Callable[[], object]], calls: int, rounds: int) -> dict[str, list[float]]:
    """Calls per second of each variant in each of ROUNDS rounds of one batch of CALLS calls."""
    measured: dict[str, list[float]] = {label: [] for label in work}
    order = list(work)
    for round_number in range(rounds):
        shift = round_number % len(order)
        for label in order[shift:] + order[:shift]:
            call = work[label]
            start = time.perf_counter()
            for _ in range(calls):
                call()
            measured[label].append(calls / (time.perf_counter() - start))
    return measured
