"""Offline replay against a live call: REST calls per second through the runtime core
(`run_job` with the official v18 template's job), live against a local HTTP server and offline
from that call's recording (connectors.network.replay: matching, the replayed answer, no
connection). Replay does no network work, so it should never be the slower one: target
ratio >= 1.0 (offline against live).

Run: .venv/bin/python bench/bench_replay.py [calls per batch, default 200] [rounds, default 10]

Method as bench_rest.py (bench/rounds.py): rounds of one batch per variant, the order rotated;
each variant's best batch, the ratio of bests and the median per-round ratio to the live one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")

import django  # noqa: E402

django.setup()

from rounds import print_ratios, rates  # noqa: E402 - bench/'s shared method

from connectors.network.recording import recording_from_exchanges  # noqa: E402
from connectors.network.replay import ReplayPolicy  # noqa: E402
from connectors.runs.stored import StoredOutcome  # noqa: E402
from tests.builtin.conftest import REST_FILE, REST_ID, run_template, template  # noqa: E402
from tests.services.http_servers import RecordingServer, Reply  # noqa: E402


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    rest = template(REST_FILE, REST_ID, 18)
    with RecordingServer() as server:
        server.route("/items", Reply(json={"items": list(range(20))}))
        values = {"method": "GET", "url": f"{server.url}/items",
                  "queryParameters": '={page: "1"}'}  # fmt: skip
        first = StoredOutcome.from_outcome(run_template(rest, values))
        recording = recording_from_exchanges(first.exchanges)

        def live() -> object:
            return run_template(rest, values)

        def offline() -> object:
            # a policy per run, as a dry-run builds one
            return run_template(rest, values, policy=ReplayPolicy(recording))

        variants = {"live (local HTTP server)": live, "offline replay": offline}
        measured = rates(variants, calls, rounds)
    print(f"{calls} calls per batch, {rounds} rounds")
    print_ratios(measured, "live (local HTTP server)")


if __name__ == "__main__":
    main()
