"""`make run`: the whole hub on one machine, stopped together by Ctrl-C.

Starts a private Redis (unless REDIS_URL is set), migrates, creates a development admin,
brings the catalogue up to date (registered connectors always, npm templates unless
CONNECTORHUB_SKIP_SEED), lets dry-runs reach loopback (CONNECTORHUB_DEV_ALLOW_LOOPBACK, unless
set), then runs a Celery worker, Celery beat (the periodic reaper of stale runs), the web
server and, when a gateway is set (ZEEBE_ADDRESS, CAMUNDA_GRPC_ADDRESS or CAMUNDA_REST_ADDRESS),
the Zeebe worker (and with CAMUNDA_REST_ADDRESS the inbound consumers' worker), and when
CAMUNDA7_REST_ADDRESS is set the Camunda 7 external task worker.
If any of them exits, the others are stopped too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from connectorhub.localredis import LocalRedis, RedisStartError, die_with_parent

BASE_DIR = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(BASE_DIR / "manage.py")]
STOP_TIMEOUT_SECONDS = 10
# How long start-up waits for the web server and a Celery worker before announcing anyway.
READY_TIMEOUT_SECONDS = 90
# Any of these set: `make run` starts the live Zeebe worker too (gRPC or REST).
GATEWAY_SETTINGS = ("ZEEBE_ADDRESS", "CAMUNDA_GRPC_ADDRESS", "CAMUNDA_REST_ADDRESS")


def main() -> int:
    # SIGINT and SIGTERM stop the hub at any moment of start-up too: the `finally` below then
    # stops whatever was started so far, so nothing is left running. SIGINT explicitly: a
    # shell starts a background command with SIGINT ignored, which Python would keep.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    env = dict(os.environ)
    for line in development_defaults(env):
        print(line)
    redis = None
    if not env.get("REDIS_URL"):
        try:
            redis = LocalRedis().start()
        except RedisStartError as exc:
            print(f"Cannot start Redis: {exc}", file=sys.stderr)
            return 1
        env["REDIS_URL"] = redis.url
        print(f"Redis: private server at {redis.url}")
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        sign_in = _prepare(env)
        _start_services(env, children)
        _announce_when_ready(env, sign_in, children)
        return _supervise(children)
    except subprocess.CalledProcessError as exc:
        print(f"Start-up step failed: {' '.join(map(str, exc.cmd[1:]))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM before the hub was up
        print("Stop requested during start-up.")
        return 130
    finally:
        # A second Ctrl-C must not cut the stop short and leave children behind; _stop ends
        # within STOP_TIMEOUT_SECONDS anyway.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _stop(children)
        if redis is not None:
            redis.stop()
        print("Stopped: web server, worker(s), beat and Redis.")


def development_defaults(env: dict[str, str]) -> list[str]:
    """What `make run` sets for its own processes, on a developer's machine, unless the operator
    set it: dry-runs may reach loopback (their own API on localhost). Anything not started by
    `make run` keeps the strict default. Returns the lines that say so."""
    if "CONNECTORHUB_DEV_ALLOW_LOOPBACK" in env:
        return []
    env["CONNECTORHUB_DEV_ALLOW_LOOPBACK"] = "true"
    return [
        "Dry-runs may reach loopback (127.0.0.1, ::1, localhost) on this development hub; "
        "CONNECTORHUB_DEV_ALLOW_LOOPBACK=false turns that off."
    ]


def _prepare(env: dict[str, str]) -> str:
    """Migrate, create the admin, fill the catalogue; returns how to sign in."""
    subprocess.run([*MANAGE, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    admin = subprocess.run(
        [*MANAGE, "ensure_dev_admin"], env=env, check=True, capture_output=True, text=True
    )
    # Always: built-in and plugin connectors reach the catalogue only through this command.
    seed = [*MANAGE, "seed_catalogue"]
    if env.get("CONNECTORHUB_SKIP_SEED", "").lower() in {"1", "true", "yes"}:
        seed.append("--no-npm")
    # A failed npm import is reported by the command; the hub still starts without it.
    subprocess.run(seed, env=env, check=False)
    return admin.stdout.strip()


def _start_services(
    env: dict[str, str], children: list[tuple[str, subprocess.Popen[bytes]]]
) -> None:
    """Start the services, each added to CHILDREN as soon as it runs (a stop request in the
    middle must find every one already started)."""
    host = env.get("CONNECTORHUB_HOST", "127.0.0.1")
    port = env.get("CONNECTORHUB_PORT", "8000")
    commands = [
        (
            "worker",
            [sys.executable, "-m", "celery", "-A", "connectorhub", "worker",
             "--loglevel", "INFO", "--concurrency", env.get("CELERY_CONCURRENCY", "2"),
             "--hostname", "connectorhub@%h"],
        ),
        # its schedule file is CELERY_BEAT_SCHEDULE_FILENAME, under the data folder
        ("beat", [sys.executable, "-m", "celery", "-A", "connectorhub", "beat",
                  "--loglevel", "INFO"]),
        ("web", [*MANAGE, "runserver", "--noreload", f"{host}:{port}"]),
    ]  # fmt: skip
    commands.extend(live_workers(env))
    for name, command in commands:
        # Own process group: Ctrl-C reaches only this supervisor, which stops them in order.
        # SIGTERM if the supervisor itself is killed: a warm shutdown, never an orphan.
        process = subprocess.Popen(
            command,
            env=env,
            cwd=BASE_DIR,
            start_new_session=True,
            preexec_fn=die_with_parent(signal.SIGTERM),
        )
        children.append((name, process))


def live_workers(env: dict[str, str]) -> list[tuple[str, list[str]]]:
    """The live workers the settings in ENV ask for: Zeebe's (and the inbound one), Camunda
    7's, both or none."""
    workers = []
    if any(env.get(name) for name in GATEWAY_SETTINGS):
        workers.append(("zeebe", [*MANAGE, "zeebe_worker"]))
    if env.get("CAMUNDA_REST_ADDRESS"):  # inbound consumers correlate over REST (docs/inbound.md)
        workers.append(("inbound", [*MANAGE, "inbound_worker"]))
    if env.get("CAMUNDA7_REST_ADDRESS"):
        workers.append(("engine7", [*MANAGE, "engine7_worker"]))
    return workers


def _announce_when_ready(
    env: dict[str, str], sign_in: str, children: list[tuple[str, subprocess.Popen[bytes]]]
) -> None:
    """Print the address and the login last, once the hub is whole, so they stay in view.

    "Whole" means the web server answers and a Celery worker answers a ping, which is what
    /healthz asks the workers. Neither wait asks /healthz itself: each 503 it gives while the
    worker starts would be logged as an ERROR line.
    """
    host = env.get("CONNECTORHUB_HOST", "127.0.0.1")
    url = f"http://{host}:{env.get('CONNECTORHUB_PORT', '8000')}/"
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS

    def waiting() -> bool:  # a child that exits is reported by _supervise right after
        running = all(process.poll() is None for _, process in children)
        return running and time.monotonic() < deadline

    web = _wait_for_web(url, waiting)
    worker = web and _wait_for_worker(env["REDIS_URL"], waiting)
    if any(process.poll() is not None for _, process in children):
        return  # nothing is running to announce
    print(f"\n  ConnectorHub is running on {url}\n  {sign_in}\n  Ctrl-C stops everything.\n")
    if not worker:
        missing = "the Celery worker does not answer" if web else "the web server does not answer"
        print(
            f"  Not ready after {READY_TIMEOUT_SECONDS}s: {missing}; see {url}status/.",
            file=sys.stderr,
        )


def _wait_for_web(url: str, waiting: Callable[[], bool]) -> bool:
    while waiting():
        try:
            # The catalogue page redirects to sign-in: any answer means the server is up.
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (http only)
                return True
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def _wait_for_worker(broker_url: str, waiting: Callable[[], bool]) -> bool:
    """True once a Celery worker on BROKER_URL answers a ping, as connectors.status.health asks."""
    from celery import Celery  # only the supervisor's own wait needs it

    app = Celery("connectorhub-run", broker=broker_url)
    try:
        while waiting():
            try:
                if app.control.ping(timeout=1.0):
                    return True
            except Exception:  # kombu raises several unrelated types while the broker starts
                time.sleep(0.3)
        return False
    finally:
        app.close()


def _supervise(children: list[tuple[str, subprocess.Popen[bytes]]]) -> int:
    stop = {"requested": False}

    def request_stop(signum: int, frame: object) -> None:
        stop["requested"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    while not stop["requested"]:
        for name, process in children:
            if process.poll() is not None:
                print(f"The {name} process exited with code {process.returncode}; stopping.")
                return process.returncode or 1
        time.sleep(0.3)
    return 0


def _stop(children: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    for _, process in children:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for _, process in children:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


if __name__ == "__main__":
    sys.exit(main())
