"""Reading a response body within CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES (Camunda's
CONNECTOR_HTTP_CLIENT_MAX_BODY_SIZE): the bytes received and every decoded layer of a
`Content-Encoding` (gzip, deflate) are counted, so a small compressed body cannot inflate past
the limit."""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator, Sequence

import httpx
from connectorhub_sdk import ConnectorError

DEFAULT_MAX_RESPONSE_BYTES = 50 * 1024 * 1024  # Camunda's CONNECTOR_HTTP_CLIENT_MAX_BODY_SIZE


def read_body(response: httpx.Response, limit: int) -> bytes:
    """The body, decoded here rather than by httpx: httpx inflates each chunk it receives in
    one go, so a few kilobytes of `Content-Encoding: gzip, gzip` became gigabytes before any
    limit could count them. Every decoder here hands out at most PIECE bytes at a time, and the
    bytes received and each decoded layer stop at LIMIT."""
    decoders = _decoders(response.headers.get_list("content-encoding", split_commas=True))
    received, decoded = _Budget(limit), _Budget(limit)
    chunks: list[bytes] = []
    if not decoders:  # the common case: what is received is the body
        for raw in response.iter_raw():
            received.take(len(raw))
            chunks.append(raw)
        return b"".join(chunks)
    for raw in response.iter_raw():
        received.take(len(raw))
        for piece in _decoded(decoders, raw):
            decoded.take(len(piece))
            chunks.append(piece)
    for index, decoder in enumerate(decoders):
        for flushed in decoder.flush():
            for piece in _decoded(decoders[index + 1 :], flushed):
                decoded.take(len(piece))
                chunks.append(piece)
    return b"".join(chunks)


class _Budget:
    """Bytes counted against CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise ConnectorError(
                "500",
                "Error while executing an HTTP request: the response body is larger than "
                f"{self.limit} bytes (CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES)",
            )


MAX_CODINGS = 3  # content codings decoded in turn (`gzip, gzip`); one is the normal case
PIECE = 64 * 1024  # the most any decoder hands out at once


def _decoders(codings: list[str]) -> list[_Inflate]:
    """Decoders for the codings httpx itself decodes (gzip, deflate; x-gzip as Apache reads
    it), in decoding order (the last coding applied first). Others (identity, an unknown
    coding) are left as they are, as httpx and Apache leave them."""
    known = [c.strip().lower() for c in codings if c.strip().lower() in _WBITS]
    if len(known) > MAX_CODINGS:
        raise ConnectorError(
            "500",
            f"Error while executing an HTTP request: the response has {len(known)} content "
            f"codings (Content-Encoding: {', '.join(codings)}); at most {MAX_CODINGS} are decoded",
        )
    return [_Inflate(coding) for coding in reversed(known)]


def _decoded(decoders: Sequence[_Inflate], data: bytes) -> Iterator[bytes]:
    """DATA through DECODERS in turn, piece by piece: no layer holds more than PIECE bytes."""
    if not decoders:
        if data:
            yield data
        return
    for piece in decoders[0].decode(data):
        yield from _decoded(decoders[1:], piece)


_WBITS = {
    "gzip": zlib.MAX_WBITS | 16,
    "x-gzip": zlib.MAX_WBITS | 16,
    "deflate": zlib.MAX_WBITS,  # zlib format; raw deflate is tried when that fails (below)
}


class _Inflate:
    """gzip or deflate, with zlib's `max_length` so that no call inflates more than PIECE."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._inflater = zlib.decompressobj(_WBITS[coding])
        # servers send raw deflate as `deflate` too; httpx and Apache accept both
        self._may_be_raw = coding == "deflate"

    def decode(self, data: bytes) -> Iterator[bytes]:
        while True:
            try:
                piece = self._inflater.decompress(data, PIECE)
            except zlib.error as exc:
                if not self._may_be_raw:
                    raise self._error(exc) from None
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                self._may_be_raw = False
                continue
            self._may_be_raw = False
            data = self._inflater.unconsumed_tail
            if piece:
                yield piece
            if not data and len(piece) < PIECE:
                return  # a full piece may leave more output without more input

    def flush(self) -> Iterator[bytes]:
        yield from self.decode(b"")
        try:
            rest = self._inflater.flush()
        except zlib.error as exc:
            raise self._error(exc) from None
        if rest:
            yield rest

    def _error(self, exc: zlib.error) -> ConnectorError:
        return ConnectorError(
            "500",
            f"An error with the HTTP protocol occurred: cannot decode the {self.coding} "
            f"response body ({exc})",
        )


def max_response_bytes() -> int:
    """CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES from Django settings when configured, else the
    environment (the connectors also run outside the hub, in a user's pyzeebe app)."""
    try:
        from django.conf import settings

        if settings.configured:
            return int(settings.CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES)
    except (ImportError, AttributeError):
        pass
    raw = os.environ.get("CONNECTORHUB_HTTP_MAX_RESPONSE_BYTES", "")
    return int(raw) if raw.strip().isdigit() else DEFAULT_MAX_RESPONSE_BYTES
