"""Dry-run round trip against a bare Celery no-op task, and completion-to-page latency.

    .venv/bin/python bench/bench_dryrun.py [--runs 200] [--pages 20]

Everything is real and private to the benchmark: a Redis server, a SQLite database in a
temporary folder, one `celery worker` process (prefork, one child) and, for the page figure, the
web server (`manage.py runserver`) driven by headless Chromium.

1. Round trip, in one run so both share the Redis, the worker and the machine's mood:
   - bare: `apply_async()` of a task that returns None, until `AsyncResult.get()` has the result
     from the Redis result backend;
   - dry-run: `run_start()` of the no-op built-in (template -> job, a row, enqueue), until the
     worker has stored the outcome (the run's `done` notice arrives after the commit).
   They alternate, after a warm-up. Figures: p50/p95 of each, and the ratio of the p50s
   (target <= 1.5). With `--cpu`, also the CPU per round trip of this process and of the
   worker's processes (Linux: /proc schedstat, nanoseconds), the worker's counted up to the
   next round trip so that its work after the `done` notice is included; reading it between
   round trips gives the worker a moment to finish that work, so the times shift a little.
2. Completion to page: a run page is opened while the run is queued (not yet sent), then the
   run is sent; the time from the worker's `finished_at` to the moment the page's DOM shows
   `done` (a MutationObserver's Date.now()) is the latency (target < 0.5 s).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectorhub.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop + the ORM

WARM_UP = 20
PASSWORD = "bench-password-123"

# The bare task lives here so that the worker (started with `--include bench_dryrun`) and this
# process agree on it; it is named explicitly because this file runs as __main__.
from connectorhub.celery import app  # noqa: E402


@app.task(name="bench.noop", ignore_result=False)
def bare_noop() -> None:
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="round trips of each kind")
    parser.add_argument("--pages", type=int, default=20, help="runs watched in the browser")
    parser.add_argument(
        "--sqlite-journal",
        choices=["wal", "default"],
        default="wal",
        help="wal: DATABASE_URL asks for WAL and synchronous=NORMAL (docs/dry-runs.md); "
        "default: SQLite's rollback journal with a sync on every commit",
    )
    parser.add_argument(
        "--cpu", action="store_true", help="also print the CPU per round trip (Linux)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dryrun-") as folder:
        from connectorhub.localredis import LocalRedis

        with LocalRedis() as redis_server:
            env = _environment(Path(folder), redis_server.url, args.sqlite_journal)
            os.environ.update(env)
            _setup_django()
            worker = _start_worker(env)
            try:
                version = _noop_version()
                _round_trips(version, args.runs, worker.pid if args.cpu else None)
                if args.pages:
                    _page_latency(version, args.pages, env)
            finally:
                worker.terminate()
                worker.wait(timeout=15)


def _environment(folder: Path, redis_url: str, journal: str) -> dict[str, str]:
    database_url = f"sqlite:///{folder / 'bench.sqlite3'}"
    if journal == "wal":
        database_url += "?init_command=PRAGMA%20journal_mode%3DWAL%3BPRAGMA%20synchronous%3DNORMAL"
    print(f"SQLite journal: {journal}")
    return {
        "CONNECTORHUB_DATA_DIR": str(folder),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }


def _setup_django() -> None:
    import django
    from django.conf import settings

    django.setup()
    # The lead generates migrations; until they cover every model, build the tables from them.
    settings.MIGRATION_MODULES = {"connectors": None}
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = open(Path(env["CONNECTORHUB_DATA_DIR"]) / "worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "connectorhub", "worker", "--include",
         "bench_dryrun", "--concurrency", "1", "--loglevel", "WARNING", "--without-mingle",
         "--without-gossip", "--hostname", f"bench-{os.getpid()}@%h"],
        env={**os.environ, **env, "PYTHONPATH": str(BENCH_DIR)},
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the worker did not start; see {log.name}")
    return worker


def _noop_version() -> Any:
    from connectors.catalogue.registry_sync import sync_registry
    from connectors.models import TemplateVersion

    sync_registry()
    return TemplateVersion.objects.get(entry__template_id="io.connectorhub.noop")


# -- 1. round trips ----------------------------------------------------------------------------


class _DoneWatcher:
    """Receives every run's notices; `wait(pk)` returns once run PK announced `done`."""

    def __init__(self) -> None:
        import redis
        from django.conf import settings

        self.pubsub = redis.Redis.from_url(settings.REDIS_URL).pubsub(
            ignore_subscribe_messages=True
        )
        self.pubsub.psubscribe("connectorhub:run:*")
        self.done: set[int] = set()

    def wait(self, pk: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while pk not in self.done:
            message = self.pubsub.get_message(timeout=max(0.0, deadline - time.monotonic()))
            if message is None and time.monotonic() > deadline:
                raise SystemExit(f"run {pk} did not finish within {timeout}s")
            if message and message["data"] == b"done":
                self.done.add(int(message["channel"].rsplit(b":", 1)[1]))


def _round_trips(version: Any, runs: int, worker_pid: int | None) -> None:
    from connectors.models import Run, RunOutcome
    from connectors.runs.services import run_start

    watcher = _DoneWatcher()

    def bare() -> float:
        started = time.perf_counter()
        bare_noop.apply_async().get(timeout=30)
        return time.perf_counter() - started

    def dry_run() -> float:
        started = time.perf_counter()
        run = run_start(version=version, values={"echo": "=1"}, variables={}, user=None)
        watcher.wait(run.pk)
        elapsed = time.perf_counter() - started
        assert Run.objects.filter(pk=run.pk, outcome=RunOutcome.COMPLETED).exists()
        return elapsed

    for _ in range(WARM_UP):
        bare(), dry_run()
    kinds = {"bare": bare, "dry-run": dry_run}
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    cpu = _CpuCounter(worker_pid) if worker_pid else None
    for _ in range(runs):
        for kind, trip in kinds.items():
            if cpu is None:
                times[kind].append(trip())
            else:
                times[kind].append(cpu.count(kind, trip))
    b50, b95 = _percentiles(times["bare"])
    d50, d95 = _percentiles(times["dry-run"])
    print(f"round trip, {runs} each (ms)      p50      p95")
    print(f"  bare Celery no-op task       {b50:7.2f}  {b95:7.2f}")
    print(f"  dry-run of the no-op         {d50:7.2f}  {d95:7.2f}")
    verdict = "ok" if d50 / b50 <= 1.5 else "over the 1.5x target"
    print(f"  ratio p50 {d50 / b50:.2f}x, p95 {d95 / b95:.2f}x ({verdict})")
    if cpu is not None:
        cpu.print(runs)


class _CpuCounter:
    """CPU time per kind of round trip: this process's within the round trip, the worker's
    (main process and pool child, all threads) from its start to the next round trip's."""

    def __init__(self, worker_pid: int) -> None:
        import psutil

        main = psutil.Process(worker_pid)
        self.pids = [worker_pid, *(child.pid for child in main.children(recursive=True))]
        self.mine: dict[str, float] = {}
        self.worker: dict[str, float] = {}
        self.pending: tuple[str, float] | None = None

    def count(self, kind: str, trip: Any) -> float:
        self.pending = (kind, self._settle())
        before = time.process_time()
        elapsed = float(trip())
        self.mine[kind] = self.mine.get(kind, 0.0) + time.process_time() - before
        return elapsed

    def _settle(self) -> float:
        """The worker's CPU seconds now, the time since the last reading given to its kind."""
        now = 0
        for pid in self.pids:
            for thread in os.listdir(f"/proc/{pid}/task"):
                with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # thread ended
                    now += int(Path(f"/proc/{pid}/task/{thread}/schedstat").read_text().split()[0])
        if self.pending is not None:
            last, since = self.pending
            self.worker[last] = self.worker.get(last, 0.0) + now / 1e9 - since
        return now / 1e9

    def print(self, runs: int) -> None:
        time.sleep(0.2)  # the last round trip's work after its notice
        self._settle()
        print("CPU per round trip (ms)          bench process   worker")
        for kind in self.mine:
            print(f"  {kind:30s} {self.mine[kind] * 1000 / runs:13.2f}  "
                  f"{self.worker.get(kind, 0.0) * 1000 / runs:7.2f}")  # fmt: skip


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in seconds)
    return statistics.median(ms), ms[max(0, round(0.95 * len(ms)) - 1)]


# -- 2. completion to page ---------------------------------------------------------------------


def _page_latency(version: Any, pages: int, env: dict[str, str]) -> None:
    from django.contrib.auth import get_user_model
    from playwright.sync_api import sync_playwright

    from connectorhub.localredis import free_port

    user = get_user_model().objects.create_user("bench", password=PASSWORD)
    port = free_port()
    server_log = Path(env["CONNECTORHUB_DATA_DIR"]) / "web.log"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        env={**os.environ, **env}, cwd=ROOT, stdout=server_log.open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    latencies = []
    try:
        _wait_for_http(f"{base}/accounts/login/", server_log)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                args=["--headless", "--no-sandbox", "--disable-gpu"],
            )
            page = browser.new_page()
            sign_in(page, base, user.username, PASSWORD)
            for _ in range(pages):
                latencies.append(completion_to_page(page, base, new_page_run(version, user)))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
    p50, p95 = _percentiles(latencies)
    worst = max(latencies) * 1000
    verdict = "ok" if p95 < 500 else "over the 0.5 s target"
    print(f"completion to page, {pages} runs (ms): p50 {p50:.1f}, p95 {p95:.1f}, "
          f"max {worst:.1f} ({verdict})")  # fmt: skip


# A function, not an expression: Playwright evaluates an expression string with eval(), which
# the page's Content-Security-Policy (script-src 'self') refuses.
_SHOWN = "() => window.__doneAt"


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def new_page_run(version: Any, user: Any) -> Any:
    """A queued, not yet sent no-op run of USER's own: a user sees only their own runs (staff
    see all), so a run started by nobody is a 404 to them and its page never shows `done`."""
    from connectors.runs.services import run_start

    return run_start(version=version, values={}, variables={}, user=user, enqueue=False)


def completion_to_page(page: Any, base: str, run: Any) -> float:
    """Seconds from the worker's `finished_at` to the page showing `done`: the page is opened
    while RUN is queued, then RUN is sent."""
    from connectors.models import Run
    from connectors.runs.services import run_enqueue

    page.goto(f"{base}/runs/{run.pk}/")
    page.evaluate(_OBSERVER)
    # let the page settle into its polling rhythm, at a random phase
    time.sleep(0.5 + (run.pk % 7) / 7)
    run_enqueue(run)
    shown_ms = page.wait_for_function(_SHOWN, timeout=30_000).json_value()
    finished = Run.objects.get(pk=run.pk).finished_at
    return float(shown_ms) / 1000 - finished.timestamp()


_OBSERVER = """() => {
  window.__doneAt = null;
  const done = () => document.querySelector('#run-state')?.dataset.status === 'done';
  new MutationObserver(() => { if (!window.__doneAt && done()) window.__doneAt = Date.now(); })
    .observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


def _wait_for_http(url: str, log: Path, timeout: float = 60.0) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers (503 while a component is down is fine here)
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the web server did not answer at {url}:\n{log.read_text()[-2000:]}")


if __name__ == "__main__":
    main()
