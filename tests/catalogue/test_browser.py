"""A person finds the REST connector by searching and filtering, and reads its details."""

import pytest

REST_ID = "io.camunda.connectors.HttpJson.v2"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_search_filter_and_open_the_rest_connector(signed_in_page, live_server, small_catalogue):
    page = signed_in_page
    page.goto(f"{live_server.url}/")

    everything = page.locator("#result-count").inner_text()
    page.fill("#id_q", "REST")
    page.wait_for_function(f"document.querySelector('#result-count').innerText !== {everything!r}")
    names = page.locator(".connector-card .card-title").all_inner_texts()
    assert "Send REST Request" in names
    assert "GraphQL Connector" not in names
    page.select_option("#id_category", "Connectors")
    page.wait_for_url("**category=Connectors**")
    assert page.locator("#id_q").input_value() == "REST"
    rest_card = page.locator(".connector-card", has_text="Send REST Request")

    rest_card.click()
    page.wait_for_url(f"**/connectors/{REST_ID}/")
    assert page.locator("h1").inner_text() == "Send REST Request"
    versions = page.locator(".version-list li")
    assert versions.count() >= 10
    assert page.locator(".facts").get_by_text("io.camunda:http-json:1").is_visible()
    assert page.locator("details.group").first.get_attribute("open") is not None
    assert "Bearer token" in page.locator("details.group").first.inner_text()
    endpoint = page.locator("details.group", has_text="HTTP endpoint")
    assert not endpoint.locator("table").is_visible()
    endpoint.locator("summary").click()
    assert endpoint.get_by_text("zeebe:input url").first.is_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_rejected_npm_import_shows_its_error_in_the_whole_page(
    page, live_server, importer, small_catalogue
):
    from tests.conftest import PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", importer.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.locator("summary", has_text="Import templates").click()
    page.fill("#id_spec", "not a package!")
    page.locator("button", has_text="Import from npm").click()

    error = page.locator(".messages li.error")
    error.wait_for()
    assert "Nothing imported" in error.inner_text()
    # The page is still whole: navigation, filters and the cards, each once.
    assert page.locator(".mainnav").count() == 1
    assert page.locator("#catalogue-filters").is_visible()
    assert page.locator("#results").count() == 1
    assert page.locator(".connector-card").count() >= 3
    assert page.url == f"{live_server.url}/"
