"""What one HTTP call shares with the next: kept-alive connections, and nothing a server set for
another run (cookies), as with Camunda's client per request."""

from __future__ import annotations

from tests.builtin.conftest import REST_FILE, REST_ID, result_of, run_template, template
from tests.services.http_servers import Reply

V18 = template(REST_FILE, REST_ID, 18)


def get(url: str, **more: object) -> dict[str, object]:
    return {"method": "GET", "url": url, "resultVariable": "result", **more}


def test_a_cookie_set_in_one_run_is_not_sent_in_the_next(server):
    server.route("/login", Reply(headers=[("Set-Cookie", "session=alice; Path=/")], json={}))
    server.route("/data", Reply(json={"ok": True}))
    result_of(run_template(V18, get(f"{server.url}/login")))
    result_of(run_template(V18, get(f"{server.url}/data", followRedirects=True)))
    assert server.last("/data").header("Cookie") is None


def test_a_cookie_set_on_a_redirect_is_sent_on_the_next_hop(server):
    server.route(
        "/login",
        Reply(status=302, headers=[("Set-Cookie", "session=bob; Path=/"), ("Location", "/home")]),
    )
    server.route("/home", Reply(json={"ok": True}))
    result = result_of(run_template(V18, get(f"{server.url}/login", followRedirects=True)))
    assert result["status"] == 200
    assert server.last("/home").header("Cookie") == "session=bob"
    # and the chain's cookie is gone with it
    result_of(run_template(V18, get(f"{server.url}/home")))
    assert server.last("/home").header("Cookie") is None


def test_requests_carry_httpx_default_headers_and_the_users_override_them(server):
    result_of(run_template(V18, get(f"{server.url}/x", headers='={"Accept": "application/json"}')))
    sent = server.last("/x")
    assert sent.header_all("Accept") == ["application/json"]
    assert sent.header("User-Agent").startswith("python-httpx/")
    assert sent.header("Accept-Encoding") and sent.header("Connection") == "keep-alive"
