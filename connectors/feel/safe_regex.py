r"""The one home of regular expressions that come from users: FEEL's `matches`, `replace`,
`split` and `extract`, and the `pattern` constraints of element templates.

Patterns keep the syntax and meaning Python's `re` gives them, but `re` backtracks, holding the
GIL: `^(a+)+$` on 29 characters took it 27 s and froze every request of the process. Two engines
run them here instead, and both release the GIL while they match:

- RE2 (`google-re2`), whose time is linear in the text: `^(a+)+$` answers at once. Patterns are
  translated to RE2's syntax with re's meaning (Unicode `\d`, `\w`, `\s`; `\Z`; `\uXXXX`).
- `regex`, a backtracking engine with re's meaning that stops after a timeout. It runs what RE2
  lacks (backreferences, lookaround, atomic groups, the `x` flag, ...) and the few texts on which
  RE2 would answer differently (`\b` next to non-ASCII letters, `$` before a final newline). It
  also gets the first `BACKTRACKING_FIRST` seconds of `findall`, where it is much quicker.

So no pattern can freeze a process: each call answers, or raises `RegexTooComplex` after about
`REGEX_TIME_LIMIT` seconds (at once for a pattern over `MAX_PATTERN_LENGTH`). This module
imports nothing from the hub.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import re2  # type: ignore[import-untyped]
import regex  # type: ignore[import-untyped]

# How long one call may take, in seconds, before it stops with RegexTooComplex. Ordinary patterns
# take microseconds and 200,000 matches a fifth of a second; Python's re needed 27 s for
# `^(a+)+$` on 29 characters. A configure page checks all its patterns within this time too.
REGEX_TIME_LIMIT = 1.0

# RE2 scans a text once, but each character may cost up to one step per instruction of the
# compiled pattern (about 10 ns each when its DFA gives up). Above this product one RE2 search,
# which cannot be stopped half-way, might outlast the time limit, so the text goes to the engine
# that watches the clock instead.
_RE2_WORK_LIMIT = 50_000_000

# RE2's memory for one pattern (its default is 8 MiB). compile_pattern keeps 128 patterns, and
# google-re2 128 more, so this bounds their memory; a pattern that needs more runs on the
# backtracking engine.
_RE2_MEMORY = 2 << 20

# Compiling takes time too, outside the time limit and holding the GIL: about 0.2 s for 10,000
# characters, 15 s for a million. Real patterns are far shorter than this limit.
MAX_PATTERN_LENGTH = 10_000

# How long `findall` lets the backtracking engine try first, in seconds (0: RE2 at once); RE2
# has the rest of the time limit.
BACKTRACKING_FIRST = REGEX_TIME_LIMIT / 2

_FLAGS = {"i": regex.IGNORECASE, "s": regex.DOTALL, "m": regex.MULTILINE, "x": regex.VERBOSE}


_TOO_SLOW = (
    f"the pattern took longer than {REGEX_TIME_LIMIT} s on this text and was stopped;"
    " simplify the pattern"
)


class RegexSyntaxError(ValueError):
    """Neither engine reads the pattern."""


class RegexTooComplex(Exception):
    """The pattern is too long to compile, or took longer than REGEX_TIME_LIMIT on a text."""

    def __init__(self, message: str = _TOO_SLOW) -> None:
        super().__init__(message)


class Match(Protocol):
    """What both engines' match objects offer."""

    def group(self, index: int = 0, /) -> str | None: ...
    def start(self) -> int: ...
    def end(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Regex:
    """A compiled user pattern; every method takes the monotonic `deadline` it must meet."""

    source: str
    groups: int
    _backtracking: Any  # regex.Pattern with re's meaning
    _re2: Any  # re2 pattern, or None when only the backtracking engine has the meaning
    _re2_work: int  # RE2 program size: the cost of one character
    _word_boundary: bool  # \b / \B: RE2's are ASCII-only
    _dollar: bool  # `$`: re's also matches before a final newline

    def search(self, text: str, deadline: float) -> bool:
        """Whether the pattern matches somewhere in the text."""
        if self._re2_agrees(text):
            return self._re2.search(text) is not None
        try:
            found = self._backtracking.search(text, timeout=_remaining(deadline), concurrent=True)
        except TimeoutError:
            raise RegexTooComplex from None
        return found is not None

    def findall(self, text: str, deadline: float) -> list[Match]:
        """Non-overlapping matches from left to right, empty ones included, as re.finditer."""
        if not self._re2_agrees(text):
            return self._backtrack(text, deadline)
        # RE2's Python binding costs some microseconds per match, twenty times the backtracking
        # engine, which therefore goes first; RE2 takes over a pattern that keeps it busy.
        if BACKTRACKING_FIRST > 0:
            try:
                return self._backtrack(text, min(deadline, time.monotonic() + BACKTRACKING_FIRST))
            except RegexTooComplex:
                pass
        found: list[Match] = []
        for match in _on_time(self._re2.finditer(text), deadline):
            if match.start() == match.end():
                # after an empty match re tries a longer one at the same place, RE2 moves on
                return self._backtrack(text, deadline)
            found.append(match)
        return found

    def _backtrack(self, text: str, deadline: float) -> list[Match]:
        scanner = self._backtracking.finditer(text, timeout=_remaining(deadline), concurrent=True)
        try:
            return list(_on_time(scanner, deadline))
        except TimeoutError:
            raise RegexTooComplex from None

    def split(self, text: str, deadline: float) -> list[str | None]:
        """re.split: the pieces between matches, with each match's groups between them."""
        pieces: list[str | None] = []
        end = 0
        for match in self.findall(text, deadline):
            pieces.append(text[end : match.start()])
            pieces.extend(match.group(index) for index in range(1, self.groups + 1))
            end = match.end()
        pieces.append(text[end:])
        return pieces

    def sub(self, replace: Callable[[Match], str], text: str, deadline: float) -> str:
        """re.sub with a function: each match is replaced by what `replace` returns for it."""
        pieces: list[str] = []
        end = 0
        for match in self.findall(text, deadline):
            pieces += (text[end : match.start()], replace(match))
            end = match.end()
        pieces.append(text[end:])
        return "".join(pieces)

    def _re2_agrees(self, text: str) -> bool:
        if self._re2 is None:
            return False
        if len(text) * self._re2_work > _RE2_WORK_LIMIT:
            return False
        if self._word_boundary and not text.isascii():
            return False
        if self._dollar and text.endswith("\n"):
            return False
        # RE2 reads UTF-8, which a lone surrogate (possible in JSON input) cannot be written in
        return text.isascii() or _encodable(text)


def deadline_from_now() -> float:
    """The deadline of a call that starts now."""
    return time.monotonic() + REGEX_TIME_LIMIT


@functools.lru_cache(maxsize=128)
def compile_pattern(pattern: str, flags: str = "") -> Regex:
    """Compile a user pattern with re's syntax and meaning.

    `flags` are FEEL's letters: i (ignore case), s (dot matches newlines), m (multi-line),
    x (ignore whitespace and # comments); other letters are ignored, as they were with `re`.
    Raises RegexSyntaxError when the pattern is not valid, RegexTooComplex when it is too long.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RegexTooComplex(
            f"the pattern is {len(pattern)} characters long; the limit is {MAX_PATTERN_LENGTH}"
        )
    value = regex.V0
    for flag in flags:
        value |= _FLAGS.get(flag, 0)
    if "x" in flags or _INLINE_VERBOSE.search(pattern):
        # whitespace and # comments are not pattern there: `regex` gets it as it is
        translated = _Translation(pattern, None, False, False)
    else:
        translated = _translate(pattern)
    try:
        backtracking = regex.compile(translated.backtracking, value)
    except (regex.error, ValueError, OverflowError, RecursionError) as error:
        raise RegexSyntaxError(str(error)) from None
    compiled = _re2_compile(translated.re2, flags) if translated.re2 is not None else None
    return Regex(
        source=pattern,
        groups=backtracking.groups,
        _backtracking=backtracking,
        _re2=compiled,
        _re2_work=compiled.programsize if compiled is not None else 0,
        _word_boundary=translated.word_boundary,
        _dollar=translated.dollar,
    )


def _remaining(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.001)


def _on_time(matches: Iterable[Match], deadline: float) -> Iterator[Match]:
    for match in matches:
        if time.monotonic() > deadline:
            raise RegexTooComplex
        yield match


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- re's meaning in both engines' syntax -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Translation:
    backtracking: str  # for `regex`
    re2: str | None  # for RE2, or None if only `regex` can have re's meaning
    word_boundary: bool  # \b or \B outside a class
    dollar: bool  # `$` outside a class


# re's classes are Unicode (\d = category Nd, \w = letters, numbers and _, \s = str.isspace()).
# RE2's are ASCII and `regex`'s follow other Unicode properties, so both get them spelled out.
# \W and \S have no such spelling inside a class: there RE2 cannot run the pattern.
_OUTSIDE_CLASS = {
    "d": r"\p{Nd}",
    "D": r"\P{Nd}",
    "w": r"[\p{L}\p{N}_]",
    "W": r"[^\p{L}\p{N}_]",
    "s": r"[\t-\r\x1c-\x1f\x85\p{Z}]",
    "S": r"[^\t-\r\x1c-\x1f\x85\p{Z}]",
}
_INSIDE_CLASS = {
    "d": r"\p{Nd}",
    "D": r"\P{Nd}",
    "w": r"\p{L}\p{N}_",
    "s": r"\t-\r\x1c-\x1f\x85\p{Z}",
}
# (?x) or (?ax-i:...): verbose from there on, which _translate does not follow
_INLINE_VERBOSE = re.compile(r"\(\?[aiLmsu-]*x")
# letter escapes that mean the same in re and RE2 (re refuses the letters not listed anywhere)
_SAME_ESCAPES = frozenset("abfnrtvxAB")


def _translate(pattern: str) -> _Translation:
    """Each engine's spelling of re's meaning of `pattern`."""
    backtracking: list[str] = []
    re2: list[str] | None = []
    word_boundary = dollar = False
    class_start = -1  # inside a class: the index where its first member stands
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            shared, for_re2, i = _translate_escape(pattern, i, class_start >= 0)
            backtracking.append(shared)
            word_boundary |= shared in (r"\b", r"\B") and class_start < 0
            if re2 is not None and for_re2 is not None:
                re2.append(for_re2)
            else:
                re2 = None
            continue
        if class_start >= 0:
            if char == "]" and i > class_start:  # a `]` that comes first is a member
                class_start = -1
            elif char == "[" and pattern[i + 1 : i + 2] in (":", ".", "="):
                re2 = None  # a POSIX class to RE2, three characters to re
        elif char == "[":
            class_start = i + 2 if pattern[i + 1 : i + 2] == "^" else i + 1
        elif char == "$":
            dollar = True
        elif char == "{" and pattern[i + 1 : i + 2] == ",":
            re2 = None  # re reads x{,3} as x{0,3}, RE2 as text
        backtracking.append(char)
        if re2 is not None:
            re2.append(char)
        i += 1
    return _Translation(
        "".join(backtracking), None if re2 is None else "".join(re2), word_boundary, dollar
    )


def _translate_escape(pattern: str, i: int, in_class: bool) -> tuple[str, str | None, int]:
    """The escape at i for `regex` and for RE2 (None: RE2 has none), and the index after it."""
    letter = pattern[i + 1 : i + 2]
    escape = pattern[i : i + 2]
    table = _INSIDE_CLASS if in_class else _OUTSIDE_CLASS
    if letter in table:
        return table[letter], table[letter], i + 2
    if letter in ("u", "U"):
        width = 4 if letter == "u" else 8
        digits = pattern[i + 2 : i + 2 + width]
        if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
            return pattern[i : i + 2 + width], f"\\x{{{digits}}}", i + 2 + width
        return escape, None, i + 2
    if letter == "Z" and not in_class:
        return escape, r"\z", i + 2  # re's \Z is the very end of the text, RE2's \z
    same = not letter.isalnum() or letter in _SAME_ESCAPES
    if not letter or not letter.isascii() or not same or (in_class and letter in "AB"):
        # backreferences, octal, \N{...}, \W or \S in a class, escapes re refuses
        return escape, None, i + 2
    return escape, escape, i + 2


def _re2_compile(text: str, flags: str) -> Any:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = _RE2_MEMORY
    prefix = "".join(flag for flag in "ism" if flag in flags)
    try:
        return re2.compile(f"(?{prefix}){text}" if prefix else text, options)
    except (re2.error, UnicodeEncodeError):
        return None  # a construct RE2 lacks, or a lone surrogate: the backtracking engine runs it
