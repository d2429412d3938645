"""The egress allow-list staff keep in the app, merged with CONNECTORHUB_EGRESS_ALLOW and read
by the next run without a restart; `make run`'s loopback default; TEST-NET in the refusal; the
check the configure page makes before a run."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from connectorhub_sdk import EgressDenied
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from connectors.models import EgressAllowEntry, EgressAuditEvent
from connectors.network import allowlist
from connectors.network.allowlist import policy_from_settings
from connectors.network.policy import EgressPolicy, blocked_rule
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    allowlist.forget_stored_patterns()
    yield
    allowlist.forget_stored_patterns()


@pytest.fixture
def staff_client(client: Client, django_user_model: Any) -> Client:
    staff = django_user_model.objects.create_user("sam", "sam@example.com", PASSWORD, is_staff=True)
    client.force_login(staff)
    return client


@pytest.mark.parametrize("address", ["192.0.2.10", "198.51.100.7", "203.0.113.99", "2001:db8::1"])
def test_test_net_addresses_are_named_documentation_not_private(address: str) -> None:
    assert blocked_rule(ipaddress.ip_address(address)) == "documentation"
    with pytest.raises(EgressDenied) as refused:
        EgressPolicy().resolve(address, 80)
    message = str(refused.value)
    assert "reserved for documentation (TEST-NET)" in message
    assert "private network" not in message


@pytest.mark.django_db
def test_an_entry_added_in_the_app_admits_the_next_run_without_a_restart(
    settings: Any, user: Any
) -> None:
    settings.CONNECTORHUB_EGRESS_ALLOW = ["10.9.0.0/16"]
    with pytest.raises(EgressDenied):
        policy_from_settings("dry_run").resolve("127.0.0.1", 8080)  # type: ignore[union-attr]

    allowlist.entry_add(pattern="127.0.0.1", note="my API under development", user=user)

    policy = policy_from_settings("dry_run")
    assert policy is not None
    assert policy.resolve("127.0.0.1", 8080) == ["127.0.0.1"]
    assert policy.resolve("10.9.1.1", 80) == ["10.9.1.1"]  # the setting's entries still count
    event = EgressAuditEvent.objects.get()
    assert (event.pattern, event.action, event.actor, event.note) == (
        "127.0.0.1",
        "add",
        user,
        "my API under development",
    )

    allowlist.entry_remove(entry=EgressAllowEntry.objects.get(), user=user)
    with pytest.raises(EgressDenied):
        policy_from_settings("dry_run").resolve("127.0.0.1", 8080)  # type: ignore[union-attr]
    assert [e.action for e in EgressAuditEvent.objects.all()] == ["remove", "add"]


@pytest.mark.django_db
def test_another_process_sees_a_change_after_the_short_cache(user: Any) -> None:
    assert allowlist.stored_patterns() == ()
    # Another process's change: this one's cache is not told.
    EgressAllowEntry.objects.create(pattern="api.internal")
    assert allowlist.stored_patterns() == ()
    allowlist._cache["patterns"] = (0.0, ())  # the cache's few seconds are over
    assert allowlist.stored_patterns() == ("api.internal",)


@pytest.mark.django_db
def test_with_no_cache_period_another_processs_change_reaches_the_next_run(settings: Any) -> None:
    settings.CONNECTORHUB_EGRESS_ALLOWLIST_CACHE_SECONDS = 0  # as the test suite's Celery worker
    assert allowlist.stored_patterns() == ()
    EgressAllowEntry.objects.create(pattern="api.internal")  # another process's change
    assert allowlist.stored_patterns() == ("api.internal",)


@pytest.mark.django_db
def test_bad_entries_are_refused_with_the_field_and_the_problem(user: Any) -> None:
    with pytest.raises(ValidationError) as bad:
        allowlist.entry_add(pattern="http://api.internal/x", note="", user=user)
    assert "is not a host" in bad.value.message_dict["pattern"][0]
    allowlist.entry_add(pattern="*.corp.example", note="", user=user)
    with pytest.raises(ValidationError) as duplicate:
        allowlist.entry_add(pattern="*.CORP.example", note="", user=user)
    assert duplicate.value.message_dict["pattern"] == [
        "'*.CORP.example' is already on the allow-list."
    ]


@pytest.mark.django_db
def test_dev_loopback_setting_admits_loopback_only(settings: Any) -> None:
    settings.CONNECTORHUB_DEV_ALLOW_LOOPBACK = True
    policy = policy_from_settings("dry_run")
    assert policy is not None
    assert policy.resolve("127.0.0.1", 8000) == ["127.0.0.1"]
    assert policy.resolve("::1", 8000) == ["::1"]
    with pytest.raises(EgressDenied):
        policy.resolve("10.0.0.1", 80)
    settings.CONNECTORHUB_DEV_ALLOW_LOOPBACK = False
    with pytest.raises(EgressDenied):
        policy_from_settings("dry_run").resolve("127.0.0.1", 8000)  # type: ignore[union-attr]


def test_the_precheck_judges_literal_addresses_and_localhost_without_dns() -> None:
    def no_dns(host: str, port: int) -> list[str]:
        raise AssertionError("the precheck must not resolve names")

    policy = EgressPolicy(resolver=no_dns)
    refused = policy.precheck("127.0.0.1", 80)
    assert (refused.verdict, refused.message) == (
        "refused",
        "127.0.0.1 is a loopback address: dry-runs may not reach it.",
    )
    assert policy.precheck("localhost", 80).message.startswith("localhost is a loopback address")
    assert policy.precheck("[::1]", 80).verdict == "refused"
    assert policy.precheck("93.184.216.34", 80).verdict == "allowed"
    unknown = policy.precheck("api.example.com", 443)
    assert unknown.verdict == "unknown"
    assert "will be checked when the run starts" in unknown.message
    allowed = EgressPolicy.from_allowlist(["localhost:8080"])
    assert allowed.precheck("localhost", 8080).verdict == "allowed"


@pytest.mark.django_db
def test_staff_add_and_remove_entries_on_the_page_and_each_change_is_audited(
    staff_client: Client,
) -> None:
    url = reverse("egress-allowlist")
    added = staff_client.post(url, {"pattern": "192.168.1.20", "note": "billing API"}, follow=True)
    page = added.content.decode()
    assert "192.168.1.20 allowed: the next dry-run may reach it." in page
    assert "billing API" in page and "sam" in page
    policy = policy_from_settings("dry_run")
    assert policy is not None and policy.resolve("192.168.1.20", 443) == ["192.168.1.20"]

    entry = EgressAllowEntry.objects.get()
    removed = staff_client.post(reverse("egress-allowlist-remove", args=[entry.pk]), follow=True)
    assert "192.168.1.20 removed" in removed.content.decode()
    assert not EgressAllowEntry.objects.exists()
    assert [(e.action, e.actor.username) for e in EgressAuditEvent.objects.all()] == [
        ("remove", "sam"),
        ("add", "sam"),
    ]


@pytest.mark.django_db
def test_a_bad_entry_on_the_page_names_the_field_and_the_problem(staff_client: Client) -> None:
    response = staff_client.post(reverse("egress-allowlist"), {"pattern": "http://x/y"})
    assert response.status_code == 400
    assert "Host or range: &#x27;http://x/y&#x27; is not a host" in response.content.decode()
    assert not EgressAllowEntry.objects.exists()


@pytest.mark.django_db
def test_the_page_is_for_staff_only(signed_in_client: Client) -> None:
    assert signed_in_client.get(reverse("egress-allowlist")).status_code == 403
    response = signed_in_client.post(reverse("egress-allowlist"), {"pattern": "10.0.0.0/8"})
    assert response.status_code == 403
    assert not EgressAllowEntry.objects.exists()


@pytest.mark.django_db
def test_the_admin_audits_its_changes(client: Client, django_user_model: Any) -> None:
    root = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    client.force_login(root)
    add = reverse("admin:connectors_egressallowentry_add")
    response = client.post(add, {"pattern": "*.corp.example", "note": "intranet"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    entry = EgressAllowEntry.objects.get()
    assert entry.added_by == root
    client.post(
        reverse("admin:connectors_egressallowentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert not EgressAllowEntry.objects.exists()
    assert [e.action for e in EgressAuditEvent.objects.all()] == ["remove", "add"]
    refused = client.post(add, {"pattern": "https://x.example/"})
    assert "is not a host" in refused.content.decode()


@pytest.mark.django_db
def test_the_status_page_says_when_loopback_is_admitted_for_development(
    staff_client: Client, settings: Any
) -> None:
    settings.CONNECTORHUB_DEV_ALLOW_LOOPBACK = True
    page = " ".join(staff_client.get(reverse("status")).content.decode().split())
    assert "Dry-runs may reach public addresses and <strong>loopback</strong>" in page
    assert "make run" in page and reverse("egress-allowlist") in page
    settings.CONNECTORHUB_DEV_ALLOW_LOOPBACK = False
    page = " ".join(staff_client.get(reverse("status")).content.decode().split())
    assert "<strong>loopback</strong>" not in page


def test_make_run_admits_loopback_unless_the_operator_set_it() -> None:
    from connectorhub.run import development_defaults

    env: dict[str, str] = {}
    lines = development_defaults(env)
    assert env["CONNECTORHUB_DEV_ALLOW_LOOPBACK"] == "true"
    assert "Dry-runs may reach loopback" in lines[0]
    operator = {"CONNECTORHUB_DEV_ALLOW_LOOPBACK": "false"}
    assert development_defaults(operator) == []
    assert operator == {"CONNECTORHUB_DEV_ALLOW_LOOPBACK": "false"}


def test_a_shared_deployment_keeps_the_strict_default(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    monkeypatch.delenv("CONNECTORHUB_DEV_ALLOW_LOOPBACK", raising=False)
    code = (
        "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
        "'connectorhub.settings'); django.setup(); from django.conf import settings; "
        "print(settings.CONNECTORHUB_DEV_ALLOW_LOOPBACK)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"
