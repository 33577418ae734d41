"""The case language: typed cases, the loader of ``*.presence.yaml`` files, and where the corpus is.

::

    from conformance.cases import load_cases

    cases = load_cases()                       # the bundled corpus
    mine = load_cases([Path("my-cases")])      # a folder of your own, recursively

Every problem with a case file is a :class:`~conformance.errors.CaseFileError` naming file, line and key.
The format is described in ``docs/case-format.md`` and checked by :func:`schema_path` (JSON Schema).
"""

from __future__ import annotations

from ..errors import CaseFileError
from .corpus import CASE_SUFFIX, bundled_corpus, discover, schema_path
from .loader import load_case_file, load_cases
from .model import (
    ActionKind,
    AppSpec,
    AuthMode,
    Case,
    Expectation,
    PresenceExpectation,
    Requirement,
    StatusExpectation,
    Step,
)

__all__ = [
    "CASE_SUFFIX",
    "ActionKind",
    "AppSpec",
    "AuthMode",
    "Case",
    "CaseFileError",
    "Expectation",
    "PresenceExpectation",
    "Requirement",
    "StatusExpectation",
    "Step",
    "bundled_corpus",
    "discover",
    "load_case_file",
    "load_cases",
    "schema_path",
]
