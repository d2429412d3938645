"""Compression bombs: the size limit (CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES) counts the decoded
body, and decoding stops as soon as it is passed, whatever Content-Encoding stacks."""

from __future__ import annotations

import functools
import gzip
import tracemalloc
import zlib

import pytest

from tests.builtin.conftest import REST_FILE, REST_ID, result_of, run_template, template
from tests.services.http_servers import Reply

REST = template(REST_FILE, REST_ID, 18)

LIMIT = 1024 * 1024
BOMB_SIZE = 128 * 1024 * 1024  # what the bombs decode to: 128 times the limit


@functools.cache
def compressed(data_size: int, wbits: int) -> bytes:
    """DATA_SIZE zero bytes compressed (gzip: wbits | 16), made a MiB at a time."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(data_size // len(block))]
    return b"".join(parts) + compressor.flush()


def bomb(coding: str) -> bytes:
    if coding == "deflate":
        return compressed(BOMB_SIZE, zlib.MAX_WBITS)
    once = compressed(BOMB_SIZE, zlib.MAX_WBITS | 16)
    return gzip.compress(once, 9) if coding == "gzip, gzip" else once


def get(url: str) -> object:
    return run_template(REST, {"method": "GET", "url": url, "resultVariable": "r"})


@pytest.mark.parametrize("coding", ["gzip", "gzip, gzip", "deflate"])
def test_a_compression_bomb_fails_at_the_size_limit_without_decoding_it_all(
    server, settings, coding
):
    settings.CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES = LIMIT
    body = bomb(coding)
    assert len(body) < LIMIT // 4  # small on the wire
    server.route("/bomb", Reply(headers=[("Content-Encoding", coding)], body=body))
    tracemalloc.start()
    try:
        outcome = get(f"{server.url}/bomb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome.kind == "failed"
    assert f"the response body is larger than {LIMIT} bytes" in outcome.message
    assert outcome.trace.exchanges[0]["error"] == outcome.message.split(" | ")[0]
    # decoding stopped a little after the limit: nowhere near the 128 MiB the body holds
    assert peak < 8 * LIMIT, f"peak {peak} bytes"


def test_stacked_and_single_codings_still_decode(server):
    document = b'{"greeting": "' + b"hello " * 1000 + b'"}'
    server.route(
        "/gzip", Reply(headers=[("Content-Encoding", "gzip")], body=gzip.compress(document))
    )
    server.route(
        "/twice",
        Reply(
            headers=[("Content-Encoding", "gzip, gzip")],
            body=gzip.compress(gzip.compress(document)),
        ),
    )
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    server.route(
        "/raw-deflate",
        Reply(
            headers=[("Content-Encoding", "deflate")],
            body=raw_deflate.compress(document) + raw_deflate.flush(),
        ),
    )
    server.route(
        "/zlib", Reply(headers=[("Content-Encoding", "deflate")], body=zlib.compress(document))
    )
    server.route("/identity", Reply(headers=[("Content-Encoding", "identity")], body=document))
    for path in ("/gzip", "/twice", "/raw-deflate", "/zlib", "/identity"):
        result = result_of(get(f"{server.url}{path}"), "r")
        assert result["body"] == {"greeting": "hello " * 1000}, path


def test_a_body_that_is_not_what_its_coding_says_fails_with_the_reason(server):
    server.route("/bad", Reply(headers=[("Content-Encoding", "gzip")], body=b"not gzip at all"))
    outcome = get(f"{server.url}/bad")
    assert outcome.kind == "failed"
    assert "cannot decode the gzip response body" in outcome.message


def test_too_many_stacked_codings_are_refused(server):
    body = b"{}"
    for _ in range(5):
        body = gzip.compress(body)
    server.route("/five", Reply(headers=[("Content-Encoding", ", ".join(["gzip"] * 5))], body=body))
    outcome = get(f"{server.url}/five")
    assert outcome.kind == "failed"
    assert "5 content codings" in outcome.message
    assert "at most 3" in outcome.message
