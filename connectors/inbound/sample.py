"""The test console's sample request: what the user typed (method, what follows the address,
headers, body) or a pasted curl command, read into the `WebhookRequest` a webhook receives.

Every problem is a `SampleError` naming the field and what could not be read, so the console
shows it next to the form instead of sending something else than the user meant.
"""

from __future__ import annotations

import base64
import shlex
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from connectorhub_sdk.inbound import WebhookRequest

METHODS = ("POST", "GET", "PUT", "PATCH", "DELETE")
MAX_BODY_CHARS = 1024 * 1024
# curl options that take a value, by what they set; flags that change nothing here are skipped
_METHOD = {"-X", "--request"}
_HEADER = {"-H", "--header"}
_DATA = {"-d", "--data", "--data-ascii", "--data-binary", "--data-raw"}
_USER = {"-u", "--user"}
_IGNORED_FLAGS = {"-s", "-S", "-v", "-i", "-L", "-k", "-f", "-sS", "--silent", "--show-error",
                  "--verbose", "--include", "--location", "--insecure", "--fail", "--compressed",
                  "--http1.1", "--http2"}  # fmt: skip
_SHORT_WITH_VALUE = ("-X", "-H", "-d", "-u")


class SampleError(ValueError):
    """The sample cannot be read: FIELD and the problem."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name
        self.problem = problem


@dataclass(frozen=True)
class Sample:
    """One sample request. `target`: what follows the element's address (`?a=1`); `url`: the
    address the sender used, when a curl command gave one (HMAC's URL scopes sign it)."""

    method: str = "POST"
    target: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    url: str = ""

    @property
    def headers_text(self) -> str:
        return "\n".join(f"{name}: {value}" for name, value in self.headers)

    def request(self, path: str, base_url: str) -> WebhookRequest:
        """The request as the element's endpoint PATH at BASE_URL would receive it."""
        query: dict[str, str] = {}
        for name, value in parse_qsl(urlsplit(self.target).query, keep_blank_values=True):
            query.setdefault(name, value)  # the runtime keeps a parameter's first value
        return WebhookRequest(
            method=self.method,
            path=path,
            headers={name.lower(): value for name, value in self.headers},
            query=query,
            body=self.body.encode(),
            remote_address="127.0.0.1",
            url=self.url or base_url.rstrip("/") + path,
        )


def from_form(method: str, target: str, headers: str, body: str) -> Sample:
    """The fields of the console's form."""
    method = method.strip().upper() or "POST"
    if method not in METHODS:
        raise SampleError("method", f"'{method}' is not one of {', '.join(METHODS)}")
    target = target.strip()
    if target and not target.startswith(("?", "/")):
        raise SampleError("after the address", "start with ? (a query) or / (a trailing slash)")
    if len(body) > MAX_BODY_CHARS:
        raise SampleError("body", f"longer than {MAX_BODY_CHARS} characters")
    return Sample(method, target, parse_headers(headers), body)


def parse_headers(text: str) -> tuple[tuple[str, str], ...]:
    """`Name: value` per line; blank lines are skipped."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or any(c.isspace() for c in name.strip()):
            raise SampleError("headers", f"line {number} is not 'Name: value': {line.strip()!r}")
        found.append((name.strip(), value.strip()))
    return tuple(found)


def from_curl(command: str) -> Sample:
    """A curl command as a browser's or a provider's documentation gives it: -X, -H,
    -d/--data/--data-raw/--data-binary, -u and the URL (line continuations allowed)."""
    try:
        words = shlex.split(command.replace("\\\n", " "))
    except ValueError as exc:
        raise SampleError("curl command", f"cannot be read: {str(exc).lower()}") from None
    if not words or words[0] != "curl":
        raise SampleError("curl command", "must start with curl")
    method, headers, data, urls = "", [], [], []
    options = _options(words[1:])
    for option, value in options:
        if option in _METHOD:
            method = value.upper()
        elif option in _HEADER:
            headers.append(_curl_header(value))
        elif option in _DATA:
            if value.startswith("@") and option != "--data-raw":
                raise SampleError("curl command", f"{option} {value} reads a file: paste the body")
            data.append(value)
        elif option in _USER:
            basic = base64.b64encode(value.encode()).decode()
            headers.append(("Authorization", f"Basic {basic}"))
        else:
            urls.append(value)
    return _sample(method, headers, data, urls)


def _options(words: list[str]) -> list[tuple[str, str]]:
    """(option, value) pairs; the URL comes as ("", url). `-XPOST` and `--data=x` are split."""
    pairs: list[tuple[str, str]] = []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if not word.startswith("-") or word == "-":
            pairs.append(("", word))
            continue
        if word in _IGNORED_FLAGS:
            continue
        option, value = _joined(word)
        if option not in _METHOD | _HEADER | _DATA | _USER:
            raise SampleError("curl command", f"the option {word} is not understood here")
        if value is None:
            if index >= len(words):
                raise SampleError("curl command", f"{option} needs a value")
            value = words[index]
            index += 1
        pairs.append((option, value))
    return pairs


def _joined(word: str) -> tuple[str, str | None]:
    if word.startswith("--") and "=" in word:
        option, value = word.split("=", 1)
        return option, value
    if word.startswith(_SHORT_WITH_VALUE) and len(word) > 2 and not word.startswith("--"):
        return word[:2], word[2:]
    return word, None


def _curl_header(value: str) -> tuple[str, str]:
    name, colon, text = value.partition(":")
    if not colon or not name.strip():
        raise SampleError("curl command", f"the header {value!r} is not 'Name: value'")
    return name.strip(), text.strip()


def _sample(
    method: str, headers: list[tuple[str, str]], data: list[str], urls: list[str]
) -> Sample:
    if len(urls) != 1:
        problem = "has no URL" if not urls else f"has {len(urls)} URLs; give one"
        raise SampleError("curl command", problem)
    parts = urlsplit(urls[0])
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SampleError("curl command", f"the URL {urls[0]!r} is not an http(s) address")
    body = "&".join(data)  # curl joins several -d with &
    if data and not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))  # curl's default
    method = method or ("POST" if data else "GET")
    if method not in METHODS:
        raise SampleError("curl command", f"the method {method} is not one of {', '.join(METHODS)}")
    target = ("/" if parts.path.endswith("/") else "") + (f"?{parts.query}" if parts.query else "")
    url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return Sample(method, target, tuple(headers), body, url)
