"""FEEL benchmark: parse (cached/uncached) and evaluate the template corpus; the REST template's
default result expression on a 100 kB response (target: under 5 ms).

Run: .venv/bin/python bench/bench_feel.py
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "feel")]

from feel_corpus import distinct_expressions, generated_contexts  # noqa: E402

from connectors.feel import evaluate, parse, parse_uncached, to_json  # noqa: E402

# the http-json-connector template's default resultExpression
REST_RESULT = (
    "{\n  myResponseBody: response.body\n  // Use FEEL to extract values, e.g.,:\n"
    "  // myUserId: response.body.post.userId\n}"
)


def best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def response_of(size: int) -> dict[str, object]:
    items = []
    while len(json.dumps(items)) < size:
        n = len(items)
        items.append(
            {"id": n, "name": f"item {n}", "price": n * 1.25, "tags": ["a", "b"], "ok": n % 2 == 0}
        )
    return {
        "status": 200,
        "headers": {"Content-Type": "application/json"},
        "body": {"items": items},
    }


def main() -> None:
    texts = distinct_expressions()
    uncached = best_of(3, lambda: [parse_uncached(t) for t in texts])
    [parse(t) for t in texts]
    cached = best_of(5, lambda: [parse(t) for t in texts])
    print(f"corpus: {len(texts)} distinct expressions")
    print(f"parse uncached: {len(texts) / uncached:12,.0f} expressions/s")
    print(f"parse cached:   {len(texts) / cached:12,.0f} expressions/s")

    cases = [(parse(t), c) for t in texts for c in generated_contexts(parse(t))]
    evaluated = best_of(3, lambda: [to_json(evaluate(e, c)) for e, c in cases])
    print(f"evaluate+to_json ({len(cases)} cases): {len(cases) / evaluated:,.0f} evaluations/s")

    response = response_of(100_000)
    size = len(json.dumps(response))
    expression = parse(REST_RESULT)
    elapsed = best_of(20, lambda: evaluate(expression, {"response": response}))
    with_json = best_of(20, lambda: to_json(evaluate(expression, {"response": response})))
    print(f"REST default result expression on a {size / 1000:.0f} kB response:")
    print(f"  evaluate:         {elapsed * 1000:6.2f} ms (target < 5 ms)")
    print(f"  evaluate+to_json: {with_json * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
