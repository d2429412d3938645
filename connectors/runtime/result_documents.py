"""createDocument() in result and error expressions: the tagged values become stored documents.

Follows camunda/connectors `io.camunda.connector.runtime.core.document.ResultDocumentResolver`
(the walk, the argument rules, the messages), `MimeTypeResolver` (the content type from the
file name, by the JDK's `URLConnection.guessContentTypeFromName`) and the checks
`ConnectorResultHandler.resolveDocumentsAsJson` makes before anything is stored.
"""

from __future__ import annotations

import asyncio
import base64
import re
import uuid
from typing import Any

from connectorhub_sdk import ConnectorInputError
from connectorhub_sdk.documents import DEFAULT_CONTENT_TYPE, DocumentCreationRequest, DocumentStore

from connectors.feel.connector_functions import RESULT_FUNCTION_TYPE

from .calling import _pool

# Java's `\s` (what Camunda strips before decoding: MIME line wraps), not Unicode whitespace
_JAVA_SPACE = re.compile(r"[ \t\n\x0b\f\r]")
# java.util.Base64.getDecoder(): the basic alphabet; padding optional, but only at the end
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def resolve_documents(
    value: dict[str, Any], nonce: str, store: DocumentStore | None, *, what: str, expression: str
) -> dict[str, Any]:
    """VALUE (an expression's result object) with every sentinel tagged NONCE replaced by the
    reference of a stored document. WHAT ("Result expression") names the EXPRESSION."""
    if _is_sentinel(value, nonce):
        # the whole result would otherwise spread the reference's fields into variables
        raise ConnectorInputError(
            f"Failed to evaluate expression '{expression}'. Reason: {what} must not be a bare "
            "createDocument(...) call; wrap it inside a field, e.g. "
            "{myDocument: createDocument(...)}"
        )
    resolved: dict[str, Any] = _walk(value, nonce, store)
    return resolved


def _walk(node: Any, nonce: str, store: DocumentStore | None) -> Any:
    if isinstance(node, dict):
        if _is_sentinel(node, nonce):
            return _create(node.get("value"), store)
        return {key: _walk(item, nonce, store) for key, item in node.items()}
    if isinstance(node, list):
        return [_walk(item, nonce, store) for item in node]
    return node


def _is_sentinel(node: dict[str, Any], nonce: str) -> bool:
    # only this evaluation's tag: response data cannot know it, so it cannot forge a document
    return node.get(RESULT_FUNCTION_TYPE) == nonce


def _create(value: Any, store: DocumentStore | None) -> dict[str, Any]:
    if store is None:
        raise ConnectorInputError(
            "createDocument() is not available: this run has no document store"
        )
    if value is None:
        raise ConnectorInputError(
            "createDocument() was called without a value to convert into a document"
        )
    content: str | None
    name = content_type = None
    if isinstance(value, str):
        content, field = value, "value"
    elif isinstance(value, dict):
        # as Camunda: the first of the keys that holds text; a blank name or type is no name
        content, field = _first_text(value, "content", "data")
        name = _first_non_blank(value, "name", "fileName")
        content_type = _first_non_blank(value, "contentType")
    else:
        raise ConnectorInputError(
            "createDocument() expects a string or an object argument, got: " + _json_kind(value)
        )
    if content is None:
        raise ConnectorInputError(
            "createDocument() requires a 'content' or 'data' field containing a base64-encoded "
            "string"
        )
    data = _decode(content, field)
    file_name = name if name is not None else str(uuid.uuid4())
    request = DocumentCreationRequest(
        content=data,
        content_type=content_type or guess_content_type(file_name),
        file_name=file_name,
    )
    return _stored(store, request)


def _stored(store: DocumentStore, request: DocumentCreationRequest) -> dict[str, Any]:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return store.create(request).as_json()
    # On the live worker run_job_async maps the result on its event loop, where Django refuses
    # the hub store's ORM work; it runs on the executor thread sync connectors use the store
    # from, and the loop waits for it (rare: only when an expression calls createDocument()).
    return _pool().submit(store.create, request).result().as_json()


def _first_text(value: dict[str, Any], *keys: str) -> tuple[str | None, str]:
    for key in keys:
        if isinstance(value.get(key), str):
            return value[key], key
    return None, keys[0]


def _first_non_blank(value: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        text = value.get(key)
        if isinstance(text, str) and text.strip():
            return text
    return None


def _decode(text: str, field: str) -> bytes:
    """Base64 as Camunda reads it: whitespace dropped, then the strict basic decoder."""
    compact = _JAVA_SPACE.sub("", text)
    problem = _base64_problem(compact)
    if problem is not None:
        raise ConnectorInputError(
            f"createDocument() 'content'/'data' is not valid base64: '{field}' {problem}"
        )
    body = compact.rstrip("=")
    return base64.b64decode(body + "=" * (-len(body) % 4))


def _base64_problem(text: str) -> str | None:
    if not _BASE64.fullmatch(text):
        bad = next(
            (i, c) for i, c in enumerate(text) if not (c.isascii() and (c.isalnum() or c in "+/"))
        )
        return f"has the illegal character {bad[1]!r} at position {bad[0]}"
    body = text.rstrip("=")
    if len(body) % 4 == 1:
        return "ends with a single character, which holds less than one byte"
    if len(body) != len(text) and len(text) % 4:
        return "has padding ('=') in the wrong place"
    return None


def _json_kind(value: Any) -> str:
    """Jackson's JsonNodeType names, as Camunda's message prints them."""
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, list):
        return "ARRAY"
    if isinstance(value, int | float):
        return "NUMBER"
    return type(value).__name__.upper()


def guess_content_type(file_name: str) -> str:
    """MimeTypeResolver: the type the JDK's table gives the file name's extension, else
    application/octet-stream. Only the last extension counts (`a.tar.gz` is gzip)."""
    hash_mark = file_name.rfind("#")
    if hash_mark > 0:
        # the JDK tries the name without a `#fragment` first, then the whole name
        found = _by_extension(file_name[:hash_mark])
        if found is not None:
            return found
    return _by_extension(file_name) or DEFAULT_CONTENT_TYPE


def _by_extension(name: str) -> str | None:
    cut = max(name.rfind("."), name.rfind("/"), name.rfind("?"))
    if cut == -1 or name[cut] != ".":
        return None
    return _JDK_TYPES.get(name[cut + 1 :].lower())


def _jdk_table() -> dict[str, str]:
    """The JDK's `sun/net/www/content-types.properties` (Temurin 25, what Camunda's runtime image
    runs), type by extension; octet-stream extensions are left out (the fallback anyway)."""
    table: dict[str, str] = {}
    for line in _JDK_TABLE.strip().splitlines():
        content_type, extensions = line.split(":")
        table.update(dict.fromkeys(extensions.split(), content_type))
    return table


_JDK_TABLE = """
application/oda: oda
application/pdf: pdf
application/postscript: eps ai ps
application/x-dvi: dvi
application/x-hdf: hdf
application/x-latex: latex
application/x-netcdf: nc cdf
application/x-tex: tex
application/x-texinfo: texinfo texi
application/x-troff: t tr roff
application/x-troff-man: man
application/x-troff-me: me
application/x-troff-ms: ms
application/x-wais-source: src wsrc
application/zip: zip
application/x-bcpio: bcpio
application/x-cpio: cpio
application/x-gtar: gtar
application/x-shar: sh shar
application/x-sv4cpio: sv4cpio
application/x-sv4crc: sv4crc
application/x-tar: tar
application/x-ustar: ustar
audio/aac: aac
audio/basic: snd au
audio/flac: flac
audio/mp4: m4a
audio/mpeg: mp2 mp3
audio/ogg: oga ogg opus spx
audio/x-aiff: aifc aif aiff
audio/x-wav: wav
image/gif: gif
image/ief: ief
image/jpeg: jfif jfif-tbnl jpe jpg jpeg
image/svg+xml: svg svgz
image/tiff: tif tiff
image/vnd.fpx: fpx fpix
image/x-cmu-rast: ras
image/x-portable-anymap: pnm
image/x-portable-bitmap: pbm
image/x-portable-graymap: pgm
image/x-portable-pixmap: ppm
image/x-rgb: rgb
image/x-xbitmap: xbm xpm
image/x-xwindowdump: xwd
image/png: png
image/bmp: bmp
image/webp: webp
text/css: css
text/html: htm html
text/javascript: js
text/plain: text c cc c++ h pl txt java el php adoc py
text/tab-separated-values: tsv
text/x-setext: etx
text/csv: csv
text/markdown: md markdown
video/mp4: m4v mp4
video/mpeg: mpg mpe mpeg
video/ogg: ogv
video/quicktime: mov qt
video/webm: webm
application/x-troff-msvideo: avi
video/x-sgi-movie: movie mv
message/rfc822: mime
application/xml: xml
application/rtf: rtf
application/gzip: gz
application/vnd.oasis.opendocument.presentation: odp
application/vnd.oasis.opendocument.spreadsheet: ods
application/vnd.oasis.opendocument.text: odt
application/vnd.ms-excel: xls
application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: xlsx
application/vnd.openxmlformats-officedocument.presentationml.presentation: pptx
application/vnd.ms-powerpoint: ppt
application/x-7z-compressed: 7z
application/msword: doc
application/vnd.openxmlformats-officedocument.wordprocessingml.document: docx
application/vnd.rar: rar
application/json: json
application/bz2: bz2
application/java-archive: jar
application/wasm: wasm
"""
_JDK_TYPES = _jdk_table()
