"""What the real Modeler writes for each corpus template (camunda-bpmn-js in headless Chromium).

`modeler_reference()` applies every corpus template with its defaults to a fresh element
(`elementTemplates.applyTemplate`), exports the BPMN XML, and keeps the task definition, the
zeebe:ioMapping inputs, the task headers and the zeebe:properties. The result is cached per corpus
and Modeler version in .cache/elementtemplates/ (gitignored), so the browser runs once.

Run directly to (re)build the cache: .venv/bin/python -m tests.elementtemplates.modeler_reference
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import http.server
import json
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .corpus import CORPUS_VERSION, NODE_MODULES, corpus_templates

BASE_DIR = Path(__file__).resolve().parents[2]
CACHE_DIR = BASE_DIR / ".cache" / "elementtemplates"
MODELER_PACKAGE = NODE_MODULES / "camunda-bpmn-js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="canvas" style="width:1200px;height:800px"></div>
<script src="/camunda-bpmn-js/dist/camunda-cloud-modeler.production.min.js"></script>
</body></html>"""

APPLY_ALL = """
async (templates) => {
  const EMPTY = '<?xml version="1.0" encoding="UTF-8"?>' +
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="D" ' +
    'targetNamespace="http://bpmn.io/schema/bpmn"><bpmn:process id="P" isExecutable="true"/>' +
    '<bpmndi:BPMNDiagram id="DI"><bpmndi:BPMNPlane id="PL" bpmnElement="P"/>' +
    '</bpmndi:BPMNDiagram></bpmn:definitions>';
  const modeler = new BpmnModeler({ container: '#canvas' });
  const results = [];
  for (const template of templates) {
    try {
      await modeler.importXML(EMPTY);
      const elementTemplates = modeler.get('elementTemplates');
      elementTemplates.set([template]);
      const factory = modeler.get('elementFactory');
      const modeling = modeler.get('modeling');
      const root = modeler.get('canvas').getRootElement();
      const type = template.appliesTo[0];
      let element;
      if (type === 'bpmn:BoundaryEvent') {
        const host = modeling.createShape(factory.createShape({ type: 'bpmn:Task' }),
          { x: 300, y: 300 }, root);
        element = modeling.createShape(factory.createShape({ type }), { x: 300, y: 340 }, host,
          { attach: true });
      } else {
        element = modeling.createShape(factory.createShape({ type }), { x: 300, y: 300 }, root);
      }
      const applied = elementTemplates.applyTemplate(element, template);
      const { xml } = await modeler.saveXML({ format: false });
      results.push({ xml, element: applied ? applied.id : element.id });
    } catch (error) {
      results.push({ error: String((error && error.stack) || error) });
    }
  }
  return results;
}
"""


def modeler_version() -> str:
    return json.loads((MODELER_PACKAGE / "package.json").read_text())["version"]


def cache_file() -> Path:
    return CACHE_DIR / f"modeler-{modeler_version()}-corpus-{CORPUS_VERSION}.json"


def modeler_reference() -> dict[str, dict[str, Any]]:
    """`"<id>@<version>"` -> what the Modeler wrote (see `extract`), built once and cached."""
    path = cache_file()
    if path.exists():
        return json.loads(path.read_text())
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    # Two xdist workers may ask at once in a fresh checkout: the second waits for the first's
    # build (about a minute of Chromium) instead of doing it again.
    with (CACHE_DIR / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return json.loads(path.read_text())
        reference = _build()
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(reference, indent=1, sort_keys=True))
        partial.replace(path)  # whole or absent, never half written
    return reference


def _build() -> dict[str, dict[str, Any]]:
    templates = list(corpus_templates())
    raw = apply_in_browser(templates)
    return {
        f"{t['id']}@{t.get('version')}": (
            {"error": r["error"]} if "error" in r else extract(r["xml"], r["element"])
        )
        for t, r in zip(templates, raw, strict=True)
    }


def apply_in_browser(templates: list[dict[str, Any]], chunk: int = 40) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    results: list[dict[str, Any]] = []
    with serve_node_modules() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/__harness.html")
            page.wait_for_function("typeof BpmnModeler === 'function'")
            for start in range(0, len(templates), chunk):
                results.extend(page.evaluate(APPLY_ALL, templates[start : start + chunk]))
        finally:
            browser.close()
    return results


@contextlib.contextmanager
def serve_node_modules() -> Iterator[str]:
    """A quiet static server on 127.0.0.1 for tests/js/node_modules plus the harness page."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/__harness.html":
                body = PAGE.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Handler, directory=str(NODE_MODULES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def extract(xml: str, element_id: str) -> dict[str, Any]:
    """Task definition, inputs, headers and zeebe:properties of one element of the XML."""
    root = ET.fromstring(xml)
    element = next(e for e in root.iter() if e.get("id") == element_id)
    z = f"{{{ZEEBE_NS}}}"
    task = element.find(f"{{{BPMN_NS}}}extensionElements/{z}taskDefinition")
    ext = element.find(f"{{{BPMN_NS}}}extensionElements")
    inputs = [] if ext is None else ext.findall(f"{z}ioMapping/{z}input")
    headers = [] if ext is None else ext.findall(f"{z}taskHeaders/{z}header")
    properties = [] if ext is None else ext.findall(f"{z}properties/{z}property")
    return {
        "element_type": element.tag.split("}")[-1],
        "task_definition": None if task is None else dict(task.attrib),
        "inputs": [dict(i.attrib) for i in inputs],
        "headers": [dict(h.attrib) for h in headers],
        "properties": [dict(p.attrib) for p in properties],
    }


if __name__ == "__main__":
    # --if-missing (.ci/run): build only when this corpus and Modeler have no cache yet
    if "--if-missing" not in sys.argv:
        cache_file().unlink(missing_ok=True)
    built = modeler_reference()
    failures = sum("error" in r for r in built.values())
    print(f"{len(built)} templates applied, {failures} failed -> {cache_file()}")
