"""Rotated rounds, the method the throughput benches share (REST, SQL, SMTP, SQS, RabbitMQ,
Kafka, and the Zeebe worker's batches of process instances): every round runs one batch of each
variant, in an order rotated from round to round, so no variant always runs first or last while
the machine's load comes and goes."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Iterator


def rotated(labels: Iterable[str], rounds: int) -> Iterator[tuple[int, str]]:
    """(round number, label) for every label in every round, the order rotated each round."""
    order = list(labels)
    for round_number in range(rounds):
        shift = round_number % len(order)
        for label in order[shift:] + order[:shift]:
            yield round_number, label


def rates(work: dict[str, Callable[[], object]], calls: int, rounds: int) -> dict[str, list[float]]:
    """Calls per second of each variant in each of ROUNDS rounds of one batch of CALLS calls."""
    measured: dict[str, list[float]] = {label: [] for label in work}
    for _, label in rotated(work, rounds):
        call = work[label]
        start = time.perf_counter()
        for _ in range(calls):
            call()
        measured[label].append(calls / (time.perf_counter() - start))
    return measured


def timed(call: Callable[[], object], samples_ms: list[float]) -> Callable[[], object]:
    """CALL, each run's duration appended to SAMPLES_MS (milliseconds)."""

    def run() -> object:
        start = time.perf_counter()
        result = call()
        samples_ms.append((time.perf_counter() - start) * 1000)
        return result

    return run


def print_ratios(
    measured: dict[str, list[float]],
    base: str,
    *,
    unit: str = "calls",
    latencies_ms: dict[str, list[float]] | None = None,
) -> None:
    """The table every throughput bench prints: each variant's best batch, its ratio to BASE's
    best, the median of the per-round ratios to BASE, the extra milliseconds per call against
    BASE, and, with LATENCIES_MS, p50/p95 of the single calls."""
    header = (
        f"{'variant':58s} {'best':>9s} {unit + '/s':8s} {'ratio of bests':>14s}"
        f"  {'median ratio':>12s}  {'extra ms':>8s}"
    )
    print(header + (f"  {'p50 ms':>7s} {'p95 ms':>7s}" if latencies_ms else ""))
    for label, got in measured.items():
        pairs = list(zip(got, measured[base], strict=True))
        paired = statistics.median(r / b for r, b in pairs)
        extra = statistics.median(1000 / r - 1000 / b for r, b in pairs)
        line = f"{label:58s} {max(got):9.1f} {'':8s} {max(got) / max(measured[base]):14.2f}"
        line += f"  {paired:12.2f}  {extra:8.2f}"
        if latencies_ms and len(latencies_ms.get(label, [])) >= 2:
            samples = latencies_ms[label]
            p50, p95 = statistics.median(samples), statistics.quantiles(samples, n=20)[18]
            line += f"  {p50:7.2f} {p95:7.2f}"
        print(line)
