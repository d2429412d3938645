"""Regular expressions in FEEL: untrusted patterns answer promptly or fail plainly, never freeze
the process, keep Python re's meaning for ordinary patterns, and are charged to the step budget."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest

from connectors.feel import FeelEvaluationError, evaluate, safe_regex

# Python's re needed 27 s for the first pattern on this text (2**29 ways to split the a's).
CATASTROPHIC = "^(a+)+$"
TEXT = "a" * 29 + "!"
# The lookbehind keeps this one off RE2: it runs on the bounded backtracking engine.
BACKTRACKING = "^(a|aa)+$(?<=a)"
LONG_TEXT = "a" * 40 + "!"
# A hang guard, relative to the time limit the regex engine stops a pattern at (the patterns
# below took 27 s or more before).
CEILING = 10 * safe_regex.REGEX_TIME_LIMIT


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("matches(s, p)", False),
        ('replace(s, p, "x")', TEXT),
        ("split(s, p)", [TEXT]),
        ("extract(s, p)", []),
        ('extract(s, "(a+)+b")', []),
    ],
)
def test_catastrophic_patterns_answer_promptly(expression: str, expected: Any) -> None:
    # An answer, not the time-limit error the backtracking engine would have run into: the
    # pattern was decided in linear time.
    assert evaluate(expression, {"s": TEXT, "p": CATASTROPHIC}) == expected


@pytest.mark.parametrize(
    ("expression", "function"),
    [
        ("matches(s, p)", "matches"),
        ('replace(s, p, "x")', "replace"),
        ("split(s, p)", "split"),
        ("extract(s, p)", "extract"),
    ],
)
def test_a_pattern_that_must_backtrack_stops_with_a_plain_error(
    expression: str, function: str
) -> None:
    started = time.monotonic()
    with pytest.raises(FeelEvaluationError) as caught:
        evaluate(expression, {"s": LONG_TEXT, "p": BACKTRACKING})
    assert time.monotonic() - started < CEILING
    message = str(caught.value)
    assert f"function '{function}'" in message
    assert "the pattern took longer than" in message and "simplify the pattern" in message


def test_lookaround_and_backreferences_still_work() -> None:
    assert evaluate(r'matches("abab", "^(ab)\1$")') is True
    assert evaluate(r'extract("a1 b2 c3", "(?<=b)[0-9]")') == ["2"]
    assert evaluate(r'replace("a b", "\s+(?=b)", "_")') == "a_b"


def test_a_slow_pattern_does_not_stop_other_threads() -> None:
    """The backtracking engine releases the GIL: other requests are served meanwhile."""
    failed: list[BaseException] = []
    slow_done: list[float] = []

    def slow() -> None:
        try:
            evaluate("matches(s, p)", {"s": LONG_TEXT, "p": BACKTRACKING})
        except FeelEvaluationError as error:
            failed.append(error)
        slow_done.append(time.monotonic())

    worker = threading.Thread(target=slow)
    worker.start()
    answers = [evaluate("1 + 1") for _ in range(50)]
    other_done = time.monotonic()
    worker.join(CEILING)
    assert not worker.is_alive() and len(failed) == 1
    # answered while the slow pattern still ran, not after it let go of the interpreter
    assert answers == [2] * 50 and other_done < slow_done[0]


def test_regex_work_is_charged_to_the_step_budget() -> None:
    # 20,000 matches take well over 2 ms: more than 1,000 steps of FEEL would take
    with pytest.raises(FeelEvaluationError, match="exceeded 1000 steps"):
        evaluate('extract(s, "[0-9]")', {"s": "1" * 20_000}, max_steps=1_000)
    assert evaluate('extract(s, "[0-9]")', {"s": "12"}, max_steps=1_000) == ["1", "2"]


# Ordinary patterns keep the meaning Python's re gave them (re is the oracle here): Unicode
# classes, `$` before a final newline, \b next to accents, empty matches, flags.
ORDINARY = [
    (r"\d+", "abc 123 ٣٤ x"),
    (r"\w+", "été à 12_x"),
    (r"\s+", "a\u00a0b\u2028c\x1cd e"),
    (r"[^\s,]+", "a, b ,c"),
    (r"[\w.-]+@[\w-]+\.\w+", "to: ada@example.com, bob@exämple.org"),
    (r"\bé\w*", "ça été"),
    (r"\W+", "a-b  c"),
    (r"end$", "the end\n"),
    (r"x*", "axxb"),
    (r"a*?", "aa"),
    (r"(a)|(b)", "abc"),
    (r"[]a]+", "]]a]b"),
    (r"(?i)straße", "STRASSE Straße"),
    (r"\u00e9+", "éé e"),
    (r"a{,2}", "aaa"),
]


@pytest.mark.parametrize("backtracking_first", [safe_regex.BACKTRACKING_FIRST, 0])
@pytest.mark.parametrize(("pattern", "text"), ORDINARY)
def test_ordinary_patterns_mean_what_they_meant(
    pattern: str, text: str, backtracking_first: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # both engines answer `extract`, `split` and `replace`; 0 leaves them to RE2
    monkeypatch.setattr(safe_regex, "BACKTRACKING_FIRST", backtracking_first)
    context = {"s": text, "p": pattern}
    compiled = re.compile(pattern)
    assert evaluate("matches(s, p)", context) is (compiled.search(text) is not None)
    assert evaluate("extract(s, p)", context) == [m.group(0) for m in compiled.finditer(text)]
    assert evaluate("split(s, p)", context) == compiled.split(text)
    assert evaluate('replace(s, p, "<$0>")', context) == compiled.sub(r"<\g<0>>", text)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('matches("a\nB", "a.b", "si")', True),
        ('matches("x\nab", "^ab$", "m")', True),
        ('matches("ab", "a b # a comment", "x")', True),
        ('replace("abcd", "(ab)|(a)", "[1=$1][2=$2]")', "[1=ab][2=]cd"),
        ('replace("a.b", "\\.", "\\$1")', "a$1b"),
        ('replace("ab", "(a)", "$2")', None),  # no group 2
        ('matches("abc", "[")', None),
        ('matches("abc", "(?<")', None),
    ],
)
def test_flags_replacements_and_bad_patterns(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


def test_a_pattern_too_long_to_compile_quickly_is_refused() -> None:
    # compiling a million characters took 8 to 15 s, holding the GIL; refusing it must take
    # less than compiling a pattern of about the longest allowed length (one of its own: a
    # compiled pattern is cached)
    allowed_pattern = "(a|b)" * 1_990 + f"(x{time.monotonic_ns()})?"
    started = time.monotonic()
    evaluate("matches(s, p)", {"s": "ab", "p": allowed_pattern})
    allowed = time.monotonic() - started
    started = time.monotonic()
    with pytest.raises(FeelEvaluationError) as caught:
        evaluate("matches(s, p)", {"s": "ab", "p": "(a|b)" * 200_000})
    assert time.monotonic() - started < allowed
    assert str(caught.value) == (
        "function 'matches': the pattern is 1000000 characters long; the limit is 10000"
    )
    assert evaluate("matches(s, p)", {"s": "ab", "p": "(a|b)" * 2_000}) is False


def test_verbose_patterns_keep_their_comments() -> None:
    pattern = "(?x) ^ [0-9]+ # digits [then\n \\w+ $"
    assert evaluate("matches(s, p)", {"s": "12ab", "p": pattern}) is True
    assert evaluate('matches("12 ab", "[0-9]+ # [ \\n \\w+", "x")') is True
