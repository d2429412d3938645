"""Dry-runs: start a run, execute it in a worker (or in-process), read runs back.

`services` writes (run_start, run_execute, run_rerun, ...), `selectors` reads, `events` tells
waiting pages that a run changed, `limits` says how long a run may take. docs/dry-runs.md has
the whole path.
"""
