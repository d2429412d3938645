"""The worker's configuration: what `make run` starts, and settings refused with a message
naming the problem (no engine needed)."""

from __future__ import annotations

from typing import Any

import pytest

from connectorhub.run import live_workers
from connectors.engine7.hub import build_worker
from connectors.engine7.worker import parse_topics


def commands(env: dict[str, str]) -> list[str]:
    return [command[-1] for _, command in live_workers(env)]


def test_make_run_starts_the_camunda7_worker_when_an_engine_is_configured() -> None:
    assert commands({}) == []
    assert commands({"CAMUNDA7_REST_ADDRESS": "http://c7:8080/engine-rest"}) == ["engine7_worker"]
    both = {"ZEEBE_ADDRESS": "z:26500", "CAMUNDA7_REST_ADDRESS": "http://c7:8080/engine-rest"}
    assert commands(both) == ["zeebe_worker", "engine7_worker"]


@pytest.mark.parametrize(
    ("options", "setting", "message"),
    [
        ({}, {"CAMUNDA7_REST_ADDRESS": ""}, "no engine: set CAMUNDA7_REST_ADDRESS or pass --url"),
        ({"url": "c7:8080"}, {}, "CAMUNDA7_REST_ADDRESS must be an http(s) URL"),
        (
            {"job_types": ["acme:nothing:1"]},
            {},
            "no connector is registered for job type(s) acme:nothing:1",
        ),
        ({"topics": ["orders"]}, {}, "topic mapping 'orders' is not TOPIC=JOB_TYPE"),
        ({"max_tasks": 0}, {}, "max tasks must be at least 1, got 0"),
        ({"time_limit": 0}, {}, "time limit must be more than 0 seconds, got 0"),
    ],
)
def test_bad_settings_are_refused_naming_the_problem(
    settings: Any, options: dict[str, Any], setting: dict[str, str], message: str
) -> None:
    settings.CAMUNDA7_REST_ADDRESS = "http://127.0.0.1:9/engine-rest"
    for name, value in setting.items():
        setattr(settings, name, value)
    with pytest.raises(ValueError) as refused:
        build_worker(options)
    assert str(refused.value).startswith(message)


def test_topic_mappings_are_read_from_topic_equals_job_type_entries() -> None:
    assert parse_topics([" orders = io.camunda:http-json:1", "mail=io.camunda:email:1"]) == {
        "orders": "io.camunda:http-json:1",
        "mail": "io.camunda:email:1",
    }
