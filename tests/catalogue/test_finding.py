"""Finding the right connector: look-alike cards, relevance, the element filter, empty results,
and which of two templates for one job type to use."""

import copy
import json
import re

import pytest

from connectors.catalogue.importing import import_documents
from connectors.catalogue.registry_sync import sync_registry
from connectors.models import ImportSource
from tests.catalogue.conftest import read
from tests.elementtemplates.corpus import CORPUS_DIR, corpus_files

WEBHOOKS = ["webhook-connector-start-event.json", "webhook-connector-intermediate.json"]
REST_ID = "io.camunda.connectors.HttpJson.v2"
# Two templates named "AI Agent Task", both for service tasks.
AGENTS = ["agenticai-aiagent-outbound-connector.json", "agenticai-ai-agent-task.v2.json"]
AGENT_TASK_V2 = "io.camunda.connectors.agenticai.ai-agent-task.v2"


def _cards(html):
    return re.findall(r'<a class="card connector-card".*?</a>', html, re.S)


def _card(html, template_id):
    return next(c for c in _cards(html) if f'href="/connectors/{template_id}/"' in c)


@pytest.mark.django_db
def test_cards_with_the_same_name_show_their_template_id_and_element(signed_in_client):
    files = [*AGENTS, "graphql-outbound-connector.json"]
    import_documents([read(CORPUS_DIR / n) for n in files], source=ImportSource.COMMAND)

    html = signed_in_client.get("/").content.decode()

    for template_id in ("io.camunda.connectors.agenticai.aiagent.v1", AGENT_TASK_V2):
        card = _card(html, template_id)
        assert "AI Agent Task" in card
        assert f"<code>{template_id}</code> · Service task" in card
    # A name of its own needs no such line.
    assert "card-id" not in _card(html, "io.camunda.connectors.GraphQL.v1")


@pytest.mark.django_db
def test_the_element_filter_names_elements_as_the_modeler_does(signed_in_client):
    import_documents([read(CORPUS_DIR / n) for n in WEBHOOKS], source=ImportSource.COMMAND)

    html = signed_in_client.get("/").content.decode()

    assert '<option value="bpmn:StartEvent" >Start event</option>' in html
    assert '<option value="bpmn:IntermediateCatchEvent" >Intermediate catch event</option>' in html
    assert ">StartEvent<" not in html and ">bpmn:StartEvent<" not in html


def _variant(template, *, template_id, name, description):
    variant = copy.deepcopy(template)
    variant.update(id=template_id, name=name, description=description)
    return variant


@pytest.mark.django_db
def test_search_lists_name_matches_before_description_matches(signed_in_client):
    graphql = json.loads((CORPUS_DIR / "graphql-outbound-connector.json").read_text())
    base = graphql[-1] if isinstance(graphql, list) else graphql
    documents = [
        _variant(base, template_id="t.alpha", name="Alpha notifier", description="Zebra chat"),
        _variant(base, template_id="t.beta", name="Beta Zebra sender", description="Sends"),
        _variant(base, template_id="t.zebra", name="Zebra", description="The zebra itself"),
    ]
    raw = json.dumps(documents).encode()
    assert not import_documents([("zebras.json", raw)], source=ImportSource.COMMAND).failed

    response = signed_in_client.get(
        "/", {"q": "zebra"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )

    order = re.findall(r'href="/connectors/(t\.\w+)/"', response.content.decode())
    assert order == ["t.zebra", "t.beta", "t.alpha"]  # the name, a name holding it, then text


@pytest.mark.django_db
def test_an_empty_result_offers_to_clear_the_filters(signed_in_client, small_catalogue):
    response = signed_in_client.get(
        "/", {"q": "zzzz"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )

    html = response.content.decode()
    assert "No connector matches these filters." in html
    assert '<a href="/" id="clear-filters">Clear filters</a>' in html


@pytest.mark.django_db
def test_the_built_in_and_the_imported_rest_templates_say_which_to_use(
    signed_in_client, small_catalogue
):
    sync_registry()

    html = signed_in_client.get("/", {"q": "rest"}).content.decode()
    builtin = _card(html, "io.camunda.http-json")
    imported = _card(html, REST_ID)
    assert "Same job type as the imported “Send REST Request”: prefer that template" in builtin
    assert "Runs here on this hub\u2019s own “REST Outbound Connector”" in imported
    assert "Prefer this template for processes you model." in imported

    detail = signed_in_client.get("/connectors/io.camunda.http-json/").content.decode()
    assert f'<a href="/connectors/{REST_ID}/">Send REST Request</a>' in detail
    assert "Prefer that one for processes you model" in detail


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_paging_shows_the_top_of_the_next_results(signed_in_page, live_server):
    import_documents([read(p) for p in corpus_files()], source=ImportSource.COMMAND)
    page = signed_in_page
    page.goto(f"{live_server.url}/")
    page.locator(".pager a", has_text="Next").scroll_into_view_if_needed()
    assert page.evaluate("() => window.scrollY") > 500

    page.locator(".pager a", has_text="Next").click()
    page.wait_for_url("**page=2**")
    page.locator(".pager", has_text="Page 2 of").wait_for()
    page.wait_for_function(
        "() => document.querySelector('#results').getBoundingClientRect().top < 40"
    )

    top = page.evaluate("() => document.querySelector('#results').getBoundingClientRect().top")
    assert -2 <= top < 40  # the first cards of page 2 are in view, not the pager


@pytest.mark.django_db
def test_only_the_recommended_imported_template_carries_the_note(signed_in_client, small_catalogue):
    sync_registry()

    html = signed_in_client.get("/", {"q": "rest"}).content.decode()

    deprecated = _card(html, "io.camunda.connectors.HttpJson.v1.noAuth")
    assert "card-note" not in deprecated  # an old REST template does not say "prefer this"
