"""PEM texts as users manage to deliver them.

A private key pasted into a one-line field (the secret value input, a FEEL string) loses its line
breaks, and one kept in an environment variable often has literal `\\n` instead. Both are still
the same key: each BEGIN/END block is rebuilt with its Base64 body wrapped at 64 columns, the
layout every PEM reader takes. Blocks with RFC 1421 headers (legacy encrypted keys) are left as
they are, since their header lines cannot be told apart once the breaks are gone.
"""

from __future__ import annotations

import re

_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_WIDTH = 64


def normalize_pem(text: str) -> str:
    """TEXT with every PEM block in the standard layout; TEXT itself when it holds none."""
    text = text.replace("\\r", "").replace("\\n", "\n")
    blocks = [_block(match) for match in _BLOCK.finditer(text)]
    return "".join(blocks) if blocks else text


def _block(match: re.Match[str]) -> str:
    label, body = match.group(1), match.group(2)
    if ":" in body:  # Proc-Type / DEK-Info headers
        return match.group(0).strip() + "\n"
    data = "".join(body.split())
    lines = [data[start : start + _WIDTH] for start in range(0, len(data), _WIDTH)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"
