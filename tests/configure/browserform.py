"""What a browser submits for a rendered form, read from the HTML (stdlib parser, no browser).

Follows the HTML rules that matter here: disabled controls are not sent, an unchecked checkbox
sends nothing, a select sends its selected option or else its first, a textarea drops one
leading newline and sends its newlines as CRLF, and controls without a name are skipped.
"""

from __future__ import annotations

from html.parser import HTMLParser

from django.http import QueryDict


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self._select: dict[str, object] | None = None
        self._option: dict[str, object] | None = None
        self._textarea: dict[str, object] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "input" and "name" in a and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button"):
                return
            self.pairs.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = {"attrs": a, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
        elif tag == "textarea":
            self._textarea = {"attrs": a, "text": ""}

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] = str(self._option["text"]) + data
        if self._textarea is not None:
            self._textarea["text"] = str(self._textarea["text"]) + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._select is not None and self._option is not None:
            options = self._select["options"]
            assert isinstance(options, list)
            options.append(self._option)
            self._option = None
        elif tag == "select" and self._select is not None:
            self._finish_select(self._select)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            attrs = self._textarea["attrs"]
            assert isinstance(attrs, dict)
            if "name" in attrs and "disabled" not in attrs:
                text = str(self._textarea["text"])
                text = text.removeprefix("\n").replace("\r\n", "\n").replace("\n", "\r\n")
                self.pairs.append((attrs["name"], text))
            self._textarea = None

    def _finish_select(self, select: dict[str, object]) -> None:
        attrs, options = select["attrs"], select["options"]
        assert isinstance(attrs, dict) and isinstance(options, list)
        if "name" not in attrs or "disabled" in attrs or not options:
            return
        chosen = next((o for o in options if o["selected"]), options[0])
        value = chosen["value"] if chosen["value"] is not None else chosen["text"]
        self.pairs.append((attrs["name"], str(value)))


def submitted(html: str) -> QueryDict:
    """The form data a browser would send for this HTML, unchanged by the user."""
    reader = _FormReader()
    reader.feed(html)
    data = QueryDict(mutable=True)
    for name, value in reader.pairs:
        data.appendlist(name, value)
    return data
