"""Parsing FEEL text into a syntax tree with lark's LALR parser.

The transformer runs inside the parser (no intermediate lark tree), so nothing here recurses
over the input; the depth guard keeps evaluation, which does recurse, far from Python's limit.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from . import nodes as n
from .errors import FeelSyntaxError

MAX_EXPRESSION_LENGTH = 100_000
MAX_DEPTH = 120

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    "'": "'",
    '"': '"',
    "\\": "\\",
}


class Expression:
    """A parsed FEEL expression: the source text and its syntax tree."""

    __slots__ = ("root", "text")

    def __init__(self, text: str, root: n.Node) -> None:
        self.text = text
        self.root = root

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def function_calls(self) -> list[n.Call]:
        return [node for node in self.root.walk() if isinstance(node, n.Call)]


class _TooDeep(Exception):
    def __init__(self, pos: tuple[int, int]) -> None:
        self.pos = pos


def _pos(item: Any) -> tuple[int, int]:
    if isinstance(item, n.Node):
        return item.pos
    if isinstance(item, Token):
        return (item.line or 1, item.column or 1)
    return (1, 1)


def _unescape(raw: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        # as in feel-scala, other escapes stay as written: "\d+" is a regex, not "d+"
        return _SIMPLE_ESCAPES.get(code, "\\" + code)

    text = _ESCAPE.sub(replace, raw[1:-1])
    # \uD83D\uDE00 style surrogate pairs become one character, as in Java strings
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _name(token: Token) -> str:
    text = str(token)
    if text.startswith("`"):
        return text[1:-1]
    if text.startswith('"'):
        return _unescape(text)
    return " ".join(text.split())


def _guard(node: n.Node) -> n.Node:
    if node.depth > MAX_DEPTH:
        raise _TooDeep(node.pos)
    return node


# operators of one precedence level form one flat chain (all of them are left-associative)
_OPERATOR_LEVEL = {"+": "additive", "-": "additive", "*": "multiplicative", "/": "multiplicative"}
_OPERATOR_LEVEL["**"] = "power"


def _chain(kind: type[n.Chain], level: str, left: n.Node, op: str, right: n.Node) -> n.Node:
    """`left op right`, extending `left` when it is a chain of the same level.

    `(a - b) - c` is `a - b - c` for left-associative operators, so a parenthesised left
    operand may be extended too; a chain on the right (`a - (b - c)`) never is.
    """
    if type(left) is kind and isinstance(left, n.Chain) and left.group == level:
        left.extend(op, right)
        return _guard(left)
    return _guard(kind(_pos(left), level, [left, right], [op]))


class _Build(Transformer[Token, n.Node]):
    """lark callbacks building nodes; method names are the rule aliases of grammar.lark."""

    def number(self, c: list[Token]) -> n.Node:
        return n.Const(_pos(c[0]), Decimal(str(c[0])))

    def string(self, c: list[Token]) -> n.Node:
        return n.Const(_pos(c[0]), _unescape(str(c[0])))

    def true(self, c: list[Any]) -> n.Node:
        return n.Const((1, 1), True)

    def false(self, c: list[Any]) -> n.Node:
        return n.Const((1, 1), False)

    def null(self, c: list[Any]) -> n.Node:
        return n.Const((1, 1), None)

    def temporal(self, c: list[Token]) -> n.Node:
        return n.Temporal(_pos(c[0]), _unescape(str(c[0])))

    def name(self, c: list[Token]) -> n.Node:
        return n.Name(_pos(c[0]), _name(c[0]))

    def list_(self, c: list[Any]) -> n.Node:
        items = [x for x in c if x is not None]
        return _guard(n.ListNode(_pos(items[0]) if items else (1, 1), items))

    def entry(self, c: list[Any]) -> tuple[str, n.Node]:
        return c[0], c[1]

    def entry_key(self, c: list[Token]) -> str:
        return _name(c[0]) if c else ""

    def context(self, c: list[Any]) -> n.Node:
        entries = [x for x in c if x is not None]
        return _guard(n.ContextNode(_pos(entries[0][1]) if entries else (1, 1), entries))

    def _range(self, c: list[n.Node], start_in: bool, end_in: bool) -> n.Node:
        return _guard(n.RangeNode(_pos(c[0]), c[0], c[1], start_in, end_in))

    def range_cc(self, c: list[n.Node]) -> n.Node:
        return self._range(c, True, True)

    def range_co(self, c: list[n.Node]) -> n.Node:
        return self._range(c, True, False)

    def range_oc(self, c: list[n.Node]) -> n.Node:
        return self._range(c, False, True)

    def range_oo(self, c: list[n.Node]) -> n.Node:
        return self._range(c, False, False)

    def or_(self, c: list[n.Node]) -> n.Node:
        return _chain(n.Or, "or", c[0], "or", c[1])

    def and_(self, c: list[n.Node]) -> n.Node:
        return _chain(n.And, "and", c[0], "and", c[1])

    def compare(self, c: list[Any]) -> n.Node:
        return _guard(n.Compare(_pos(c[0]), str(c[1]), c[0], c[2]))

    def arith(self, c: list[Any]) -> n.Node:
        op = str(c[1])
        return _chain(n.Arith, _OPERATOR_LEVEL[op], c[0], op, c[2])

    def paren(self, c: list[n.Node]) -> n.Node:
        # parentheses add no node, but they are nesting the reader sees: count them
        node = c[0]
        node.depth += 1
        return _guard(node)

    def negate(self, c: list[Any]) -> n.Node:
        return _guard(n.Negate(_pos(c[0]), c[1]))

    def between(self, c: list[n.Node]) -> n.Node:
        return _guard(n.Between(_pos(c[0]), c[0], c[1], c[2]))

    def in_value(self, c: list[n.Node]) -> tuple[str | None, n.Node]:
        return None, c[0]

    def in_compare(self, c: list[Any]) -> tuple[str | None, n.Node]:
        return str(c[0]), c[1]

    def in_(self, c: list[Any]) -> n.Node:
        op, test = c[1]
        return _guard(n.In(_pos(c[0]), c[0], test, op))

    def instance_of(self, c: list[Any]) -> n.Node:
        return _guard(n.InstanceOf(_pos(c[0]), c[0], " ".join(str(c[1]).split())))

    def path(self, c: list[Any]) -> n.Node:
        key = c[1]
        return _guard(n.Path(_pos(c[0]), c[0], _name(key) if isinstance(key, Token) else key))

    def filter(self, c: list[n.Node]) -> n.Node:
        return _guard(n.Filter(_pos(c[0]), c[0], c[1]))

    def positional(self, c: list[n.Node]) -> tuple[str, list[Any]]:
        return "positional", c

    def named(self, c: list[tuple[str, n.Node]]) -> tuple[str, list[Any]]:
        return "named", c

    def named_argument(self, c: list[Any]) -> tuple[str, n.Node]:
        key = c[0]
        return (_name(key) if isinstance(key, Token) else str(key)), c[1]

    def call(self, c: list[Any]) -> n.Node:
        callee, arguments = c[0], c[1]
        if arguments is None:
            return _guard(n.Call(_pos(callee), callee, [], None))
        kind, items = arguments
        if kind == "named":
            return _guard(n.Call(_pos(callee), callee, [], items))
        return _guard(n.Call(_pos(callee), callee, items, None))

    def if_(self, c: list[n.Node]) -> n.Node:
        return _guard(n.If(_pos(c[0]), c[0], c[1], c[2]))

    def iteration(self, c: list[Any]) -> n.Iteration:
        return str(c[0]), c[1], c[2] if len(c) > 2 else None

    def quantified(self, c: list[Any]) -> n.Iteration:
        return str(c[0]), c[1], None

    def for_(self, c: list[Any]) -> n.Node:
        return _guard(n.For(_pos(c[0][1]), c[:-1], c[-1]))

    def some(self, c: list[Any]) -> n.Node:
        return _guard(n.Quantified(_pos(c[0][1]), False, c[:-1], c[-1]))

    def every(self, c: list[Any]) -> n.Node:
        return _guard(n.Quantified(_pos(c[0][1]), True, c[:-1], c[-1]))

    def function(self, c: list[Any]) -> n.Node:
        params = [str(p) for p in c[:-1] if p is not None]
        return _guard(n.FunctionDef(_pos(c[-1]), params, c[-1]))


_GRAMMAR = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
_PARSER = Lark(
    _GRAMMAR,
    parser="lalr",
    lexer="contextual",
    transformer=_Build(),
    maybe_placeholders=True,
)

_READABLE = {
    "NAME": "a name",
    "BACKTICK_NAME": "a name",
    "BUILTIN_NAME": "a function name",
    "NUMBER": "a number",
    "STRING": "a string",
    "TYPE_NAME": "a type name",
    "COMPARATOR": "a comparison",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "MUL_OP": "'*' or '/'",
    "POW_OP": "'**'",
    "$END": "the end of the expression",
}


def _readable(terminal: str) -> str:
    if terminal in _READABLE:
        return _READABLE[terminal]
    try:
        pattern = _PARSER.get_terminal(terminal).pattern
    except KeyError:
        return terminal
    return f"'{pattern.value}'" if pattern.type == "str" else terminal


def _syntax_error(text: str, error: UnexpectedInput) -> FeelSyntaxError:
    line = getattr(error, "line", -1)
    column = getattr(error, "column", -1)
    if line is None or line < 1:
        line, column = _end_position(text)
    expected_raw: set[str] = set()
    if isinstance(error, UnexpectedCharacters):
        expected_raw = set(error.allowed or ())
    else:
        expected_raw = set(getattr(error, "expected", ()) or ())
    expected = tuple(sorted({_readable(t) for t in expected_raw}))
    token = getattr(error, "token", None)
    at_end = isinstance(error, UnexpectedEOF) or (token is not None and token.type == "$END")
    if at_end:
        found = "end of expression"
        line, column = _end_position(text.rstrip())
    elif isinstance(error, UnexpectedCharacters):
        at = error.pos_in_stream or 0
        found = repr(text[at]) if at < len(text) else "?"
    else:
        token = getattr(error, "token", None)
        found = "end of expression" if token is None or token.type == "$END" else repr(str(token))
    message = f"unexpected {found}"
    if expected:
        shown = ", ".join(expected[:8]) + (", ..." if len(expected) > 8 else "")
        message += f"; expected {shown}"
    return FeelSyntaxError(message, line=line, column=column, expected=expected)


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def parse_uncached(text: str) -> Expression:
    """Parse without the cache (benchmarks and `check()` of one-off texts)."""
    if not isinstance(text, str):
        raise FeelSyntaxError(f"a FEEL expression must be a string, not {type(text).__name__}")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise FeelSyntaxError(
            f"expression is too long: {len(text)} characters; the limit is {MAX_EXPRESSION_LENGTH}"
        )
    if not text.strip():
        line, column = _end_position(text)
        raise FeelSyntaxError("empty expression", line=line, column=column)
    try:
        root = _PARSER.parse(text)
    except _TooDeep as deep:
        raise FeelSyntaxError(
            f"expression nested deeper than {MAX_DEPTH} levels (parentheses, lists, contexts, "
            "calls, path steps and operands inside others count; flat chains such as "
            "a + b + c and else-if chains do not)",
            line=deep.pos[0],
            column=deep.pos[1],
        ) from None
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    except LarkError as error:  # pragma: no cover - lark internals; still a syntax problem
        raise FeelSyntaxError(f"cannot parse expression: {error}") from None
    if not isinstance(root, n.Node):  # a lone entry key or similar fragment
        raise FeelSyntaxError("not an expression")
    return Expression(text, root)


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> Expression:
    """Parse FEEL text (without a leading `=`); results are cached by text."""
    return parse_uncached(text)
