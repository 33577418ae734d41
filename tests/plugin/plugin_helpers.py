"""Case texts and helpers for the plugin tests (imported by the tests; fixtures are in conftest.py)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

# The plugin by module; its entry-point name is blocked so an installed package does not register it twice.
# Hypothesis's plugin spends seconds on imports in every run's terminal summary; these runs do not need it.
PLUGIN_ARGS = (
    *("-p", "conformance.pytest_plugin", "-p", "no:presence_conformance"),
    *("-p", "no:cacheprovider", "-p", "no:hypothesispytest"),
)

PASSING = """\
id: demo.busy
title: A Busy session shows Busy/InACall
clauses: [SET-PAIRS]
tags: [demo, set]
steps:
  - at: PT0S
    setPresence: {availability: Busy, activity: InACall, expirationDuration: PT1H}
    expect: {status: 2xx}
  - at: PT3S
    check: {user: alice, presence: {availability: Busy, activity: InACall}}
"""

# SET-SUCCESS documents 200: a target answering 204 fails.
FAILING = """\
id: demo.exact-status
title: A first setPresence answers the documented status
clauses: [SET-SUCCESS, SET-PAIRS]
tags: [demo]
steps:
  - at: PT0S
    setPresence: {availability: Away, activity: Away, expirationDuration: PT1H}
    expect: {status: 200}
  - at: PT3S
    check: {user: alice, presence: {availability: Away, activity: Away}}
"""

DEVIATING = """\
id: demo.write-status
title: A first setPresence answers exactly 200
clauses: [INT-WRITE-STATUS]
steps:
  - at: PT0S
    setPresence: {availability: Away, activity: Away, expirationDuration: PT1H}
    expect: {status: 200}
"""

NEEDS_CLOCK = """\
id: demo.fade
title: An Available session fades after five minutes
clauses: [FADE-FIRST]
tags: [timer]
requires: [clock-control]
steps:
  - at: PT0S
    setPresence: {availability: Available, activity: Available, expirationDuration: PT1H}
  - at: PT5M1S
    check: {user: alice, presence: {availability: Available, activity: AvailableInactive}}
"""


RunPytest = Callable[..., pytest.RunResult]
"""The type of the ``run_pytest`` fixture: ``run_pytest(*args) -> RunResult``."""


def write_cases(pytester: pytest.Pytester, **files: str) -> None:
    """Write ``name=text`` as ``name.presence.yaml`` files (YAML documents joined by ``---``)."""
    for name, text in files.items():
        (pytester.path / f"{name}.presence.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


def real_time_config(pytester: pytest.Pytester, url: str) -> Path:
    """A target configuration reaching ``url`` in real time, without its control API."""
    path = pytester.path / "real-time.yaml"
    path.write_text(f"base_url: {url}\nclock: real-time\ncontrol_url: false\n", encoding="utf-8")
    return path
