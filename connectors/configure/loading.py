"""The typed template of a catalogue version, parsed once per content."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import TYPE_CHECKING

from connectors.elementtemplates import ElementTemplate

if TYPE_CHECKING:
    from connectors.models import TemplateVersion

CACHE_SIZE = 64
_cache: OrderedDict[tuple[int, str], ElementTemplate] = OrderedDict()
_lock = Lock()


def template_for(version: TemplateVersion) -> ElementTemplate:
    """The model of a stored version. The key holds the content hash, so a re-imported
    template with new content is parsed again. Callers must not change the result."""
    key = (version.pk, version.content_hash)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    template = ElementTemplate.from_dict(version.content)
    with _lock:
        _cache[key] = template
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return template
