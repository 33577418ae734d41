"""The suite's errors. Two families that never mix:

- "the target is wrong": :class:`ConformanceFailure` (an :class:`AssertionError`, so pytest and Allure
  show it as *failed*), with :class:`InterpretationDeviation` for a difference from a default
  interpretation rather than from documented behaviour.
- "the run is wrong": :class:`RunError` and its subclasses (Allure *broken*): a bad case file, a bad
  configuration, a target that is down or answers garbage, a capability the run lacks.

::

    AssertionError
     └── ConformanceFailure
          └── InterpretationDeviation
    Exception
     └── RunError
          ├── CaseFileError        a case file is not valid (file, line, key)
          ├── ConfigError          the target configuration or options are wrong
          ├── TargetError          the target or network misbehaved (broken)
          └── NotVerifiable        a capability the case needs is missing (not verified)
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "CaseFileError",
    "ConfigError",
    "ConformanceFailure",
    "InterpretationDeviation",
    "NotVerifiable",
    "RunError",
    "TargetError",
]


class ConformanceFailure(AssertionError):
    """The target answered differently from the specification: a verdict, not an accident."""


class InterpretationDeviation(ConformanceFailure):
    """The target differs from one of the suite's default interpretations (not from documented text)."""


class RunError(Exception):
    """The run itself went wrong; no verdict about the target can be drawn from it."""


class CaseFileError(RunError):
    """A case file is not valid. The message names the file, the line and the key."""

    def __init__(self, path: Path | str, line: int | None, key: str | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.key = key
        self.detail = message
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


class ConfigError(RunError):
    """The target configuration, profile or command-line options are wrong."""


class TargetError(RunError):
    """The target is unreachable, timed out, or answered something that is not HTTP/JSON as expected."""


class NotVerifiable(RunError):
    """The run cannot check this: a capability, app, user or clock the case needs is not available."""
