"""Syntax check for the semver ranges in a template's `engines` (node-semver's grammar).

The Modeler rejects a template whose `engines` entry is not a valid node-semver range
(`validRange(range) === null`). Only validity matters here, so this module recognises the range
grammar and evaluates nothing.
"""

import re

_NUMBER = r"(?:0|[1-9]\d*)"
_PART = rf"(?:[xX*]|{_NUMBER})"
_IDENT = r"(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
_PRERELEASE = rf"(?:-{_IDENT}(?:\.{_IDENT})*)"
_BUILD = r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)"
_VERSION = rf"v?=?{_PART}(?:\.{_PART}(?:\.{_PART}{_PRERELEASE}?{_BUILD}?)?)?"

_COMPARATOR = re.compile(rf"(?:[<>]=?|=|~>?|\^)?{_VERSION}")
_HYPHEN = re.compile(rf"\s*({_VERSION})\s+-\s+({_VERSION})\s*")
# node-semver glues an operator to its version ("> 1.2" is read as ">1.2").
_OPERATOR_GAP = re.compile(r"([<>]=?|=|~>?|\^)\s+")


def is_valid_range(text: object) -> bool:
    """True when `text` is a range node-semver accepts (`""` and `"*"` match any version)."""
    if not isinstance(text, str):
        return False
    return all(_is_valid_set(part) for part in text.split("||"))


def _is_valid_set(part: str) -> bool:
    part = part.strip()
    if not part or _HYPHEN.fullmatch(part):
        return True
    glued = _OPERATOR_GAP.sub(r"\1", part)
    return all(_COMPARATOR.fullmatch(token) for token in glued.split())
