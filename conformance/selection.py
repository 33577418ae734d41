"""Selecting cases with a ``-k`` expression, as ``presence-conformance run -k EXPR`` takes it.

The language is pytest's ``-k`` language over a case's words::

    expr  := or
    or    := and ("or" and)*
    and   := not ("and" not)*
    not   := "not" not | atom
    atom  := "(" expr ")" | WORD

A WORD is a run of characters other than whitespace and parentheses. It matches a case when it is a
case-insensitive substring of the case id, the title, one of the tags or one of the clause ids. The
keywords ``and``, ``or`` and ``not`` are lowercase (as in pytest), so ``AND`` is an ordinary word. An
empty (or blank) expression selects every case.

::

    >>> selection = compile_selection("aggregation and not FADE-")
    >>> selection.matches(["aggregation.precedence.dnd-first", "AGG-PRECEDENCE"])
    True

A malformed expression raises :class:`~conformance.errors.ConfigError` naming the column and what was
expected, so the CLI can print it on one line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from .errors import ConfigError

if TYPE_CHECKING:
    from .cases.model import Case

__all__ = ["Selection", "case_words", "compile_selection", "select_cases"]

_KEYWORDS = frozenset({"and", "or", "not"})

# A compiled expression: given the lowercased words of a case, does it match?
_Predicate = Callable[[Sequence[str]], bool]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "and", "or", "not", "word" or "end"
    text: str
    column: int  # 1-based, for messages


def _tokenize(expression: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(expression):
        char = expression[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token(char, char, i + 1))
            i += 1
        else:
            start = i
            while i < len(expression) and not expression[i].isspace() and expression[i] not in "()":
                i += 1
            text = expression[start:i]
            tokens.append(_Token(text if text in _KEYWORDS else "word", text, start + 1))
    tokens.append(_Token("end", "", len(expression) + 1))
    return tokens


class _Parser:
    """Recursive descent over the token list; each ``_parse_*`` returns a predicate."""

    def __init__(self, expression: str) -> None:
        self._expression = expression
        self._tokens = _tokenize(expression)
        self._position = 0

    def parse(self) -> _Predicate:
        predicate = self._parse_or()
        self._expect("end", "the end of the expression")
        return predicate

    def _peek(self) -> _Token:
        return self._tokens[self._position]

    def _take(self) -> _Token:
        token = self._tokens[self._position]
        self._position += 1
        return token

    def _expect(self, kind: str, what: str) -> _Token:
        token = self._peek()
        if token.kind != kind:
            self._fail(token, what)
        return self._take()

    def _fail(self, token: _Token, what: str) -> NoReturn:
        found = "the end of the expression" if token.kind == "end" else repr(token.text)
        hint = " (join words with 'and' or 'or')" if token.kind == "word" and what.startswith("the end") else ""
        raise ConfigError(f"-k {self._expression!r}: column {token.column}: expected {what}, found {found}{hint}")

    def _parse_or(self) -> _Predicate:
        operands = [self._parse_and()]
        while self._peek().kind == "or":
            self._take()
            operands.append(self._parse_and())
        if len(operands) == 1:
            return operands[0]
        return lambda words: any(operand(words) for operand in operands)

    def _parse_and(self) -> _Predicate:
        operands = [self._parse_not()]
        while self._peek().kind == "and":
            self._take()
            operands.append(self._parse_not())
        if len(operands) == 1:
            return operands[0]
        return lambda words: all(operand(words) for operand in operands)

    def _parse_not(self) -> _Predicate:
        if self._peek().kind == "not":
            self._take()
            operand = self._parse_not()
            return lambda words: not operand(words)
        return self._parse_atom()

    def _parse_atom(self) -> _Predicate:
        token = self._peek()
        if token.kind == "(":
            self._take()
            inner = self._parse_or()
            self._expect(")", "')'")
            return inner
        if token.kind == "word":
            self._take()
            needle = token.text.lower()
            return lambda words: any(needle in word for word in words)
        self._fail(token, "a word, 'not' or '('")


@dataclass(frozen=True, slots=True)
class Selection:
    """A compiled ``-k`` expression. ``matches`` takes the words of one case (see :func:`case_words`)."""

    expression: str
    _predicate: _Predicate

    def matches(self, words: Iterable[str]) -> bool:
        """Whether the expression holds for a case with these words (compared case-insensitively)."""
        return self._predicate([word.lower() for word in words])

    def __call__(self, case: Case) -> bool:
        """Whether the expression selects ``case``."""
        return self.matches(case_words(case))


def compile_selection(expression: str | None) -> Selection:
    """Compile a ``-k`` expression; ``None`` or a blank expression selects everything.

    Raises:
        ConfigError: the expression is malformed (the message gives the column and what was expected).
    """
    text = expression or ""
    if not text.strip():
        return Selection(text, lambda _words: True)
    return Selection(text, _Parser(text).parse())


def case_words(case: Case) -> tuple[str, ...]:
    """The words a ``-k`` expression is matched against: id, title, tags and clause ids."""
    return (case.id, case.title, *case.tags, *case.clauses)


def select_cases(cases: Iterable[Case], expression: str | None) -> list[Case]:
    """The cases ``expression`` selects, in their order.

    Raises:
        ConfigError: the expression is malformed.
    """
    selection = compile_selection(expression)
    return [case for case in cases if selection(case)]
