"""The ``-k`` language of ``presence-conformance run``: table tests of the parser and the matcher."""

from __future__ import annotations

import pytest

from conformance.errors import ConfigError
from conformance.selection import compile_selection

# The words of one made-up case: id, title, tags, clauses.
WORDS = [
    "aggregation.precedence.dnd-first",
    "DoNotDisturb outranks Busy",
    "aggregation",
    "precedence",
    "AGG-PRECEDENCE",
]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("", True),
        ("   ", True),
        ("aggregation", True),
        ("AGGREGATION", True),  # case-insensitive
        ("agg-prec", True),  # substring of a clause id
        ("outranks", True),  # substring of the title
        ("fade", False),
        ("not fade", True),
        ("not not fade", False),
        ("aggregation and precedence", True),
        ("aggregation and fade", False),
        ("fade or precedence", True),
        ("fade or expiry", False),
        ("fade or aggregation and precedence", True),  # and binds tighter than or
        ("(fade or aggregation) and not expiry", True),
        ("not (fade or aggregation)", False),
        ("((dnd-first))", True),
        ("AND", False),  # keywords are lowercase; AND is a word here, found nowhere
        ("not AND", True),
        ("precedence.dnd", True),  # punctuation is part of a word
    ],
)
def test_expression_matches(expression: str, expected: bool) -> None:
    assert compile_selection(expression).matches(WORDS) is expected


def test_none_selects_everything() -> None:
    assert compile_selection(None).matches([])


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("and", "column 1: expected a word, 'not' or '(', found 'and'"),
        ("fade and", "column 9: expected a word, 'not' or '(', found the end of the expression"),
        ("fade or or x", "column 9: expected a word, 'not' or '(', found 'or'"),
        ("(fade", "column 6: expected ')', found the end of the expression"),
        ("fade)", "column 5: expected the end of the expression, found ')'"),
        ("fade expiry", "column 6: expected the end of the expression, found 'expiry' (join words with 'and' or 'or')"),
        ("()", "column 2: expected a word, 'not' or '(', found ')'"),
        ("not", "column 4: expected a word, 'not' or '(', found the end of the expression"),
    ],
)
def test_malformed_expression_is_a_config_error(expression: str, message: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        compile_selection(expression)
    assert str(excinfo.value) == f"-k {expression!r}: {message}"
