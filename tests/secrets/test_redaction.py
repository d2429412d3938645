"""Masking resolved values with *** in every spelling they can take."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus, urlencode

from connectors.secrets import MASK, Redactor

PASSWORD = 'p@ss w/rd"ü\\x'


def test_plain_occurrences_in_nested_values_and_keys() -> None:
    redactor = Redactor(["tok-123"])
    value = {
        "headers": {"Authorization": "Bearer tok-123"},
        "echo": ["tok-123", 5, None, {"tok-123": "key too"}],
        "n": 7,
    }
    assert redactor.redact(value) == {
        "headers": {"Authorization": f"Bearer {MASK}"},
        "echo": [MASK, 5, None, {MASK: "key too"}],
        "n": 7,
    }


def test_longest_secret_first() -> None:
    redactor = Redactor(["abc", "abcdef"])
    assert redactor.redact_text("x abcdef y abc") == f"x {MASK} y {MASK}"


def test_json_escaped_form() -> None:
    redactor = Redactor([PASSWORD])
    document = json.dumps({"password": PASSWORD})
    ascii_document = json.dumps({"password": PASSWORD}, ensure_ascii=True)
    assert redactor.redact_text(document) == '{"password": "***"}'
    assert redactor.redact_text(ascii_document) == '{"password": "***"}'


def test_url_encoded_forms() -> None:
    redactor = Redactor([PASSWORD])
    for encoded in (quote(PASSWORD, safe=""), quote(PASSWORD), quote_plus(PASSWORD)):
        assert redactor.redact_text(f"https://h/p?x={encoded}&y=1") == f"https://h/p?x={MASK}&y=1"
    body = urlencode({"password": PASSWORD, "user": "ada"})
    assert redactor.redact_text(body) == f"password={MASK}&user=ada"
    # Some clients write percent-escapes in lower case, or mix both.
    mixed = quote(PASSWORD, safe="").replace("%2F", "%2f").replace("%C3", "%c3")
    assert redactor.redact_text(f"x={mixed}") == f"x={MASK}"


def test_basic_auth_header_with_a_plain_user_is_masked_whole() -> None:
    redactor = Redactor([PASSWORD])
    token = base64.b64encode(f"ada:{PASSWORD}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}
    assert redactor.redact(headers) == {
        "Authorization": f"Basic {MASK}",
        "Accept": "application/json",
    }
    line = f"GET / headers={{'authorization': 'basic {token}'}}"
    assert token not in redactor.redact_text(line)


def test_basic_auth_without_a_secret_is_left_alone() -> None:
    redactor = Redactor([PASSWORD])
    token = base64.b64encode(b"ada:public").decode()
    assert redactor.redact_text(f"Basic {token}") == f"Basic {token}"


def test_base64_of_the_value_itself() -> None:
    redactor = Redactor(["user:pass-word"])
    encoded = base64.b64encode(b"user:pass-word").decode()
    assert redactor.redact_text(f"token {encoded} end") == f"token {MASK} end"


def test_exception_text_and_traceback() -> None:
    redactor = Redactor(["tok-123"])
    try:
        raise ValueError("server said: invalid token tok-123")
    except ValueError as exc:
        text = redactor.redact_exception(exc)
    assert "tok-123" not in text
    assert "ValueError: server said: invalid token ***" in text


def test_bytes_and_tuples() -> None:
    redactor = Redactor(["tok-123"])
    assert redactor.redact(b"a tok-123 b") == b"a *** b"
    assert redactor.redact(("tok-123", 1)) == (MASK, 1)


def test_empty_values_are_ignored_and_no_secrets_is_identity() -> None:
    assert Redactor([""]).redact_text("abc") == "abc"
    value = {"a": ["b"]}
    assert Redactor([]).redact(value) is value
    assert "tok" not in repr(Redactor(["tok-123"]))


def test_httpx_spelling_of_a_url_path() -> None:
    """httpx leaves `'!*();:@,$~` as they are in a path and encodes a space: a server that
    echoes the request path shows the secret in that spelling."""
    import httpx

    secret = "a b'!*();:@,$~c"
    path = httpx.URL(f"https://api.example.com/items/{secret}").raw_path.decode()
    assert secret not in path  # the spelling differs from the value's
    assert Redactor([secret]).redact_text(f"not found: {path}") == "not found: /items/***"
