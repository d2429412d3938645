"""The one error an API description is refused with: what is wrong, and where."""

from __future__ import annotations


class ApiDescriptionError(Exception):
    """The document cannot be imported at all; nothing is stored.

    `pointer` is a JSON pointer into the document (empty for the document as a whole), `line`
    a 1-based line where the parser knows one."""

    def __init__(self, message: str, *, pointer: str = "", line: int | None = None) -> None:
        self.message = message
        self.pointer = pointer
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.pointer:
            where.append(f"at {self.pointer}")
        if self.line is not None:
            where.append(f"line {self.line}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


def pointer_of(parts: object) -> str:
    """A JSON pointer (RFC 6901) from path parts."""
    if not isinstance(parts, list | tuple):
        return ""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
