"""The exported REST template in the real Modeler (camunda-bpmn-js 5.30.2, headless Chromium).

The Modeler library is served from tests/js/node_modules by a local server. The template the hub
exports is applied with `elementTemplates.applyTemplate`, its fields must show in the properties
panel, and a person fills some of them in there; the XML the Modeler then writes must carry the
same task definition, input mappings and headers as the hub's own BPMN for the same values. The
hub's BPMN file is opened in the Modeler too: it must load with the template recognised.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from connectors.export import export_version, template_bpmn
from connectors.export.bpmn import BPMN_NS, ZEEBE_NS
from connectors.models import TemplateVersion
from tests.elementtemplates.corpus import NODE_MODULES
from tests.export.conftest import REST_ID, newest_rest_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

HARNESS = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/camunda-bpmn-js/dist/assets/camunda-cloud-modeler.css">
</head><body style="margin:0;display:flex">
<div id="canvas" style="width:760px;height:860px"></div>
<div id="properties" style="width:500px;height:860px;overflow:auto"></div>
<script src="/camunda-bpmn-js/dist/camunda-cloud-modeler.production.min.js"></script>
</body></html>"""

APPLY = """async (template) => {
  const EMPTY = '<?xml version="1.0" encoding="UTF-8"?>' +
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="D" ' +
    'targetNamespace="http://bpmn.io/schema/bpmn"><bpmn:process id="P" isExecutable="true"/>' +
    '<bpmndi:BPMNDiagram id="DI"><bpmndi:BPMNPlane id="PL" bpmnElement="P"/>' +
    '</bpmndi:BPMNDiagram></bpmn:definitions>';
  const panel = { parent: '#properties' };
  window.modeler = new BpmnModeler({ container: '#canvas', propertiesPanel: panel });
  await modeler.importXML(EMPTY);
  const templates = modeler.get('elementTemplates');
  templates.set([template]);
  const task = modeler.get('modeling').createShape(
    modeler.get('elementFactory').createShape({ type: 'bpmn:Task' }), { x: 300, y: 200 },
    modeler.get('canvas').getRootElement());
  return templates.applyTemplate(task, template).id;
}"""

OPEN = """async ([xml, template]) => {
  modeler.destroy();
  document.querySelector('#properties').replaceChildren();  // no stale panel to mistake
  const panel = { parent: '#properties' };
  window.modeler = new BpmnModeler({ container: '#canvas', propertiesPanel: panel });
  modeler.get('elementTemplates').set([template]);
  const { warnings } = await modeler.importXML(xml);
  const task = modeler.get('elementRegistry').get('connector');
  const applied = modeler.get('elementTemplates').get(task);
  return { warnings: warnings.map(String), applied: applied ? applied.id : null };
}"""

# Selected in a call of its own: the panel re-renders after the import/apply has settled.
# Deselecting first makes a repeated call render the panel again.
SELECT = """(id) => {
  const selection = modeler.get('selection');
  selection.select(null);
  selection.select(modeler.get('elementRegistry').get(id));
}"""
SAVE = "async () => (await modeler.saveXML({ format: false })).xml"


@contextlib.contextmanager
def serve_modeler() -> Iterator[str]:
    """tests/js/node_modules and the harness page, on 127.0.0.1."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/harness.html":
                return super().do_GET()
            body = HARNESS.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Handler, directory=str(NODE_MODULES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/harness.html"
    finally:
        server.shutdown()
        server.server_close()


def zeebe_parts(xml: str, element_id: str) -> dict[str, Any]:
    """Task definition, inputs and headers of one element, as attribute dicts in XML order."""
    element = next(e for e in ET.fromstring(xml).iter() if e.get("id") == element_id)
    z, ext = f"{{{ZEEBE_NS}}}", element.find(f"{{{BPMN_NS}}}extensionElements")
    return {
        "template": element.get(f"{z}modelerTemplate"),
        "template_version": element.get(f"{z}modelerTemplateVersion"),
        "task_definition": dict(ext.find(f"{z}taskDefinition").attrib),
        "inputs": [dict(i.attrib) for i in ext.iterfind(f"{z}ioMapping/{z}input")],
        "headers": [dict(h.attrib) for h in ext.iterfind(f"{z}taskHeaders/{z}header")],
    }


def select(page: Any, element_id: str) -> Any:
    """Select ELEMENT_ID and return the properties panel once it shows the template's fields.
    On a loaded machine the panel can render the element before the template is linked to it
    (a plain task, no template groups) and stay so; selecting again renders it anew."""
    panel = page.locator("#properties")
    template_group = panel.locator(
        "[data-group-id='group-ElementTemplates__CustomProperties-endpoint']"
    )
    for _ in range(10):
        page.evaluate(SELECT, element_id)
        try:
            template_group.wait_for(timeout=3_000)
            return panel
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"the properties panel never showed the template of {element_id!r}")


def open_group(panel: Any, group: str) -> None:
    selector = f"[data-group-id='group-ElementTemplates__CustomProperties-{group}']"
    header = panel.locator(f"{selector} > .bio-properties-panel-group-header")
    if "open" not in (header.get_attribute("class") or "").split():
        header.click()


@pytest.fixture
def exported_rest(rest_catalogue: None) -> dict[str, Any]:
    newest = newest_rest_template()
    version = TemplateVersion.objects.get(entry__template_id=REST_ID, version=newest["version"])
    (exported,) = export_version(version).templates
    return exported.template


# exported_rest before page: once Playwright's loop runs, the ORM works on a connection of its
# own outside the test's transaction, and the imported catalogue would outlive the test.
def test_the_modeler_applies_the_export_and_writes_what_the_hub_writes(exported_rest, page):
    url = "https://api.example.com/orders"
    with serve_modeler() as harness:
        page.goto(harness)
        page.wait_for_function("typeof BpmnModeler === 'function'")
        element_id = page.evaluate(APPLY, exported_rest)
        panel = select(page, element_id)

        # Every group of the template with a visible field shows, with the fields' labels.
        groups = panel.locator("[data-group-id^='group-ElementTemplates__CustomProperties-']")
        shown = {g.get_attribute("data-group-id").rsplit("-", 1)[-1] for g in groups.all()}
        assert {"authentication", "endpoint", "timeout", "output", "error", "retries"} <= shown
        open_group(panel, "endpoint")
        open_group(panel, "output")
        # A person fills in the form: method, URL and result variable.
        panel.get_by_label("Method", exact=True).select_option("POST")
        panel.get_by_label("URL", exact=True).fill(url)
        panel.get_by_label("URL", exact=True).press("Tab")
        panel.get_by_label("Result variable", exact=True).fill("order")
        panel.get_by_label("Result variable", exact=True).press("Tab")
        page.wait_for_timeout(300)  # the panel commits typed text on a short debounce
        modeler_xml = page.evaluate(SAVE)

        values = {"method": "POST", "url": url, "resultVariable": "order"}
        hub_xml = template_bpmn(exported_rest, values)
        modeler = zeebe_parts(modeler_xml, element_id)
        hub = zeebe_parts(hub_xml, "connector")
        assert modeler == hub
        assert {"source": url, "target": "url"} in hub["inputs"]
        assert {"key": "resultVariable", "value": "order"} in hub["headers"]

        # The hub's own file opens with the template recognised and the values in the form.
        opened = page.evaluate(OPEN, [hub_xml, exported_rest])
        panel = select(page, "connector")
        assert opened == {"warnings": [], "applied": REST_ID}
        open_group(panel, "endpoint")
        assert panel.get_by_label("URL", exact=True).input_value() == url
        assert zeebe_parts(page.evaluate(SAVE), "connector") == hub
        page.screenshot(path="test-artifacts/export-modeler.png")
