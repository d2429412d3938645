"""What a secret's name may be."""

from __future__ import annotations

import re

NAME_MAX_LENGTH = 100
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]+")
NAME_RULE = "letters, digits, _ and - only"


def name_problem(name: str) -> str | None:
    """Why NAME cannot name a secret, or None when it can."""
    if not name:
        return "A name is required."
    if len(name) > NAME_MAX_LENGTH:
        return f"A name has at most {NAME_MAX_LENGTH} characters (this one has {len(name)})."
    if not NAME_PATTERN.fullmatch(name):
        bad = sorted({char for char in name if not NAME_PATTERN.fullmatch(char)})
        shown = " ".join(repr(char) for char in bad)
        return f"A name may contain {NAME_RULE}; not {shown}."
    return None
