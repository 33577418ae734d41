"""The ``run_pytest`` fixture: pytest in-process (``pytester``) with the presence plugin.

``pytest_plugins = ["pytester"]`` is in ``tests/conftest.py``: pytest only takes it from a top-level
conftest.

In-process runs drop the modules they imported when they end. PyYAML's C parser cannot be imported
twice (a second ``yaml`` would not recognise the nodes the first one's parser builds), so the modules
the plugin uses are imported here, once, before any run.
"""

from __future__ import annotations

import pytest
from plugin_helpers import PLUGIN_ARGS, RunPytest

# Imported for the side effect described above.
import conformance.cases.loader
import conformance.engine
import conformance.pytest_plugin
import conformance.targets.setup  # noqa: F401
import reference_impl.server.runner  # noqa: F401


@pytest.fixture
def run_pytest(pytester: pytest.Pytester) -> RunPytest:
    """``run_pytest(*args)``: pytest in ``pytester.path`` with the plugin, strict about markers and about
    pytest's own warnings (except that the plugin module, imported above, cannot be assertion-rewritten)."""

    def run(*args: str) -> pytest.RunResult:
        strict = ("--strict-markers", "-W", "error::pytest.PytestWarning")
        return pytester.runpytest(*PLUGIN_ARGS, *strict, "-W", "ignore::pytest.PytestAssertRewriteWarning", *args)

    return run
