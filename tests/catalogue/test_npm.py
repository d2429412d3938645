"""Seeding from a published npm package, through a real registry server on 127.0.0.1.

The configured registry is admitted as configured (the operator chose it); any other address a
download is sent to passes the egress policy, as dry-runs do.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command

from connectorhub.localredis import free_port
from connectors.catalogue.npm import NpmFetchError, fetch_package_templates, parse_spec
from connectors.models import CatalogueEntry, TemplateVersion
from tests.elementtemplates.corpus import CORPUS_PACKAGE
from tests.services.npm_registry import LocalNpmRegistry

PACKAGE = "@camunda/connectors-element-templates"


class ElsewhereRegistry(LocalNpmRegistry):
    """A registry whose answers point the tarball at another base URL (a CDN, or an attack)."""

    tarball_base = ""

    def _manifest(self, name: str, version: str) -> dict:
        manifest = super()._manifest(name, version)
        if self.tarball_base:
            tarball = manifest["dist"]["tarball"]
            manifest["dist"]["tarball"] = tarball.replace(self.url, self.tarball_base)
        return manifest


# the egress policy reads the allow-list staff keep in the database
pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(settings):
    server = ElsewhereRegistry().start()
    server.publish(PACKAGE, "1.0.29", CORPUS_PACKAGE)
    settings.CONNECTORHUB_NPM_REGISTRY = server.url
    yield server
    server.stop()


def test_fetch_reads_only_template_files_from_the_tarball(registry):
    files = fetch_package_templates(f"{PACKAGE}@1.0.29")

    assert len(files) == 131
    assert all(name.startswith(f"{PACKAGE}@1.0.29/src/element-templates/") for name, _ in files)
    assert registry.requests[0] == f"/{PACKAGE}/1.0.29"


def test_tarball_that_does_not_match_its_integrity_is_refused(registry):
    registry.corrupt.add((PACKAGE, "1.0.29"))

    with pytest.raises(NpmFetchError, match="does not match its sha512 integrity"):
        fetch_package_templates(f"{PACKAGE}@1.0.29")


def test_unknown_package_and_bad_spec_are_named(registry):
    with pytest.raises(NpmFetchError, match=r"has no package @camunda/nothing@1\.0\.0"):
        fetch_package_templates("@camunda/nothing@1.0.0")
    with pytest.raises(NpmFetchError, match="is not an npm package spec"):
        parse_spec("not a spec!")


def test_unreachable_registry_is_said_clearly(settings):
    settings.CONNECTORHUB_NPM_REGISTRY = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(NpmFetchError, match="cannot reach the npm registry"):
        fetch_package_templates(f"{PACKAGE}@1.0.29")


def test_import_command_with_npm(registry, capsys):
    call_command("import_templates", "--npm", f"{PACKAGE}@1.0.29")

    assert "693 imported" in capsys.readouterr().out
    assert TemplateVersion.objects.count() == 693


def test_seed_imports_once_and_tolerates_an_unreachable_registry(registry, settings, capsys):
    settings.CONNECTORHUB_SEED_PACKAGES = [f"{PACKAGE}@1.0.29"]
    call_command("seed_catalogue")
    call_command("seed_catalogue")
    out = capsys.readouterr().out
    assert "693 imported" in out
    assert "already seeded" in out

    CatalogueEntry.objects.all().delete()
    settings.CONNECTORHUB_NPM_REGISTRY = f"http://127.0.0.1:{free_port()}"
    call_command("seed_catalogue")
    assert "starts with the built-in connectors only" in capsys.readouterr().err


def test_import_command_reports_registry_errors(settings):
    settings.CONNECTORHUB_NPM_REGISTRY = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(CommandError, match="cannot reach the npm registry"):
        call_command("import_templates", "--npm", f"{PACKAGE}@1.0.29")


@pytest.mark.parametrize(
    ("base", "refusal"),
    [
        ("http://169.254.169.254", "169.254.169.254 is a cloud metadata address"),
        ("http://10.0.0.7:8080", "10.0.0.7 is a private network address"),
        ("http://[::1]", "::1 is a loopback address"),
    ],
)
def test_a_tarball_elsewhere_than_the_registry_passes_the_egress_policy(registry, base, refusal):
    registry.tarball_base = base

    with pytest.raises(NpmFetchError) as refused:
        fetch_package_templates(f"{PACKAGE}@1.0.29")

    message = str(refused.value)
    assert f"fetching {PACKAGE}@1.0.29 from {base}/-/tarballs/" in message
    assert "was refused: The egress policy refused" in message and refusal in message
    assert "CONNECTORHUB_EGRESS_ALLOW" in message
    assert not any(r.startswith("/-/tarballs/") for r in registry.requests)


def test_the_allowlist_admits_another_host_and_the_checked_address_is_used(registry, settings):
    # The same server under another name: refused as loopback until the allowlist names it.
    registry.tarball_base = registry.url.replace("127.0.0.1", "localhost")
    with pytest.raises(NpmFetchError, match="loopback"):
        fetch_package_templates(f"{PACKAGE}@1.0.29")

    settings.CONNECTORHUB_EGRESS_ALLOW = ["localhost"]

    assert len(fetch_package_templates(f"{PACKAGE}@1.0.29")) == 131


class Redirector:
    """An HTTP server on 127.0.0.1 answering every GET with a redirect to `location`."""

    def __init__(self, location: str) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://localhost:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_every_redirect_hop_passes_the_egress_policy(registry, settings):
    redirector = Redirector("http://169.254.169.254/latest/meta-data/package.tgz")
    settings.CONNECTORHUB_EGRESS_ALLOW = ["localhost"]
    registry.tarball_base = redirector.url
    try:
        with pytest.raises(NpmFetchError, match=r"169\.254\.169\.254 is a cloud metadata address"):
            fetch_package_templates(f"{PACKAGE}@1.0.29")
    finally:
        redirector.stop()


def test_with_the_egress_policy_off_nothing_is_checked(registry, settings):
    settings.CONNECTORHUB_EGRESS_POLICY = "off"
    registry.tarball_base = registry.url.replace("127.0.0.1", "localhost")

    assert len(fetch_package_templates(f"{PACKAGE}@1.0.29")) == 131


class TlsRegistry(LocalNpmRegistry):
    """The local registry over HTTPS, with a certificate from a CA of the test's own."""

    def __init__(self, context) -> None:
        super().__init__()
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}"


def test_the_operators_ca_bundle_is_trusted(settings, tmp_path, monkeypatch):
    """A registry (or a mirror) behind a CA the operator installed: TLS is checked against
    SSL_CERT_FILE, as before downloads went through the egress door (which ignores proxy
    variables, not trust)."""
    from tests.services.http_servers import make_pki

    pki = make_pki(tmp_path)
    server = TlsRegistry(pki.server_context(require_client_cert=False)).start()
    server.publish(PACKAGE, "1.0.29", CORPUS_PACKAGE)
    settings.CONNECTORHUB_NPM_REGISTRY = server.url
    try:
        with pytest.raises(NpmFetchError):
            fetch_package_templates(f"{PACKAGE}@1.0.29")  # the test CA is nobody's yet
        bundle = tmp_path / "ca.pem"
        bundle.write_text(pki.ca_pem)
        monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
        assert fetch_package_templates(f"{PACKAGE}@1.0.29")
    finally:
        server.stop()
